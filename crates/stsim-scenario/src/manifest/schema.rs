//! The field names of the Kubernetes API types whose mappings the manifest
//! reader walks, so that a key no type has is refused as the API server
//! refuses it: kubectl applies with `--validate=strict` by default (server
//! side field validation, GA in 1.27), and the API server's strict decoding
//! answers `StatefulSet in version "v1" cannot be handled as a StatefulSet:
//! strict decoding error: unknown field "spec.replica"` for the whole
//! object. A key of a type listed here that stsim does not read is a real
//! field it ignores (the warning lists it); one of no type is a typo.
//!
//! Owns the lists (the fields of k8s.io/api's Go types, by their JSON
//! names, as of the newest release modelled; a field a later release adds
//! is accepted here as unknown to the model) and which type a mapping's
//! path is. Mappings whose keys are data (labels, a StorageClass's
//! `parameters`, resource lists) and the types stsim never walks into
//! (`env`, `securityContext`, volume sources) have no list: their keys are
//! not checked. Does not read values.

/// `apiVersion`, `kind`, `metadata`, `spec`, `status`: most kinds' top level.
const OBJECT: &[&str] = &["apiVersion", "kind", "metadata", "spec", "status"];

/// `metav1.ObjectMeta`.
const OBJECT_META: &[&str] = &[
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
];

const LIST: &[&str] = &["apiVersion", "kind", "metadata", "items"];

const STATEFUL_SET_SPEC: &[&str] = &[
    "replicas",
    "selector",
    "template",
    "volumeClaimTemplates",
    "serviceName",
    "podManagementPolicy",
    "updateStrategy",
    "revisionHistoryLimit",
    "minReadySeconds",
    "persistentVolumeClaimRetentionPolicy",
    "ordinals",
];

const LABEL_SELECTOR: &[&str] = &["matchLabels", "matchExpressions"];

/// `LabelSelectorRequirement` and `NodeSelectorRequirement` alike.
const REQUIREMENT: &[&str] = &["key", "operator", "values"];

const POD_TEMPLATE: &[&str] = &["metadata", "spec"];

const POD_SPEC: &[&str] = &[
    "volumes",
    "initContainers",
    "containers",
    "ephemeralContainers",
    "restartPolicy",
    "terminationGracePeriodSeconds",
    "activeDeadlineSeconds",
    "dnsPolicy",
    "nodeSelector",
    "serviceAccountName",
    "serviceAccount",
    "automountServiceAccountToken",
    "nodeName",
    "hostNetwork",
    "hostPID",
    "hostIPC",
    "shareProcessNamespace",
    "securityContext",
    "imagePullSecrets",
    "hostname",
    "subdomain",
    "affinity",
    "schedulerName",
    "tolerations",
    "hostAliases",
    "priorityClassName",
    "priority",
    "dnsConfig",
    "readinessGates",
    "runtimeClassName",
    "enableServiceLinks",
    "preemptionPolicy",
    "overhead",
    "topologySpreadConstraints",
    "setHostnameAsFQDN",
    "os",
    "hostUsers",
    "schedulingGates",
    "resourceClaims",
    "resources",
    "hostnameOverride",
    // 1.35's gang scheduling (KEP-4671), renamed `schedulingGroup` in 1.36;
    // a field behind a gate is still part of the type strict decoding knows.
    "workloadRef",
    "schedulingGroup",
    "evictionResponders",
];

const CONTAINER: &[&str] = &[
    "name",
    "image",
    "command",
    "args",
    "workingDir",
    "ports",
    "envFrom",
    "env",
    "resources",
    "resizePolicy",
    "restartPolicy",
    "restartPolicyRules",
    "volumeMounts",
    "volumeDevices",
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "lifecycle",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "imagePullPolicy",
    "securityContext",
    "stdin",
    "stdinOnce",
    "tty",
];

const CONTAINER_PORT: &[&str] = &["name", "hostPort", "containerPort", "protocol", "hostIP"];

const RESOURCE_REQUIREMENTS: &[&str] = &["limits", "requests", "claims"];

const VOLUME_RESOURCE_REQUIREMENTS: &[&str] = &["limits", "requests"];

const PROBE: &[&str] = &[
    "exec",
    "httpGet",
    "tcpSocket",
    "grpc",
    "initialDelaySeconds",
    "timeoutSeconds",
    "periodSeconds",
    "successThreshold",
    "failureThreshold",
    "terminationGracePeriodSeconds",
];

const LIFECYCLE: &[&str] = &["postStart", "preStop", "stopSignal"];

const LIFECYCLE_HANDLER: &[&str] = &["exec", "httpGet", "tcpSocket", "sleep"];

const AFFINITY: &[&str] = &["nodeAffinity", "podAffinity", "podAntiAffinity"];

/// `NodeAffinity`, `PodAffinity` and `PodAntiAffinity` alike.
const AFFINITY_KIND: &[&str] =
    &["requiredDuringSchedulingIgnoredDuringExecution", "preferredDuringSchedulingIgnoredDuringExecution"];

const NODE_SELECTOR: &[&str] = &["nodeSelectorTerms"];

const NODE_SELECTOR_TERM: &[&str] = &["matchExpressions", "matchFields"];

const PREFERRED_SCHEDULING_TERM: &[&str] = &["weight", "preference"];

const WEIGHTED_POD_AFFINITY_TERM: &[&str] = &["weight", "podAffinityTerm"];

const POD_AFFINITY_TERM: &[&str] = &[
    "labelSelector",
    "namespaces",
    "topologyKey",
    "namespaceSelector",
    "matchLabelKeys",
    "mismatchLabelKeys",
];

const TOLERATION: &[&str] = &["key", "operator", "value", "effect", "tolerationSeconds"];

const TOPOLOGY_SPREAD_CONSTRAINT: &[&str] = &[
    "maxSkew",
    "topologyKey",
    "whenUnsatisfiable",
    "labelSelector",
    "minDomains",
    "nodeAffinityPolicy",
    "nodeTaintsPolicy",
    "matchLabelKeys",
];

const PVC_SPEC: &[&str] = &[
    "accessModes",
    "selector",
    "resources",
    "volumeName",
    "storageClassName",
    "volumeMode",
    "dataSource",
    "dataSourceRef",
    "volumeAttributesClassName",
];

const SERVICE_SPEC: &[&str] = &[
    "ports",
    "selector",
    "clusterIP",
    "clusterIPs",
    "type",
    "externalIPs",
    "sessionAffinity",
    "loadBalancerIP",
    "loadBalancerSourceRanges",
    "externalName",
    "externalTrafficPolicy",
    "healthCheckNodePort",
    "publishNotReadyAddresses",
    "sessionAffinityConfig",
    "ipFamilies",
    "ipFamilyPolicy",
    "allocateLoadBalancerNodePorts",
    "loadBalancerClass",
    "internalTrafficPolicy",
    "trafficDistribution",
];

const SERVICE_PORT: &[&str] = &["name", "protocol", "appProtocol", "port", "targetPort", "nodePort"];

const PDB_SPEC: &[&str] = &["minAvailable", "selector", "maxUnavailable", "unhealthyPodEvictionPolicy"];

const STORAGE_CLASS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "provisioner",
    "parameters",
    "reclaimPolicy",
    "mountOptions",
    "allowVolumeExpansion",
    "volumeBindingMode",
    "allowedTopologies",
];

const PV_SPEC: &[&str] = &[
    "capacity",
    "accessModes",
    "claimRef",
    "persistentVolumeReclaimPolicy",
    "storageClassName",
    "mountOptions",
    "volumeMode",
    "nodeAffinity",
    "volumeAttributesClassName",
    // The volume sources (`PersistentVolumeSource`).
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "hostPath",
    "glusterfs",
    "nfs",
    "rbd",
    "iscsi",
    "cinder",
    "cephfs",
    "fc",
    "flocker",
    "flexVolume",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "local",
    "storageos",
    "csi",
];

/// `ObjectReference` (a volume's `claimRef`).
const OBJECT_REFERENCE: &[&str] =
    &["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"];

const NODE_SPEC: &[&str] =
    &["podCIDR", "podCIDRs", "providerID", "unschedulable", "taints", "configSource", "externalID"];

const NODE_STATUS: &[&str] = &[
    "capacity",
    "allocatable",
    "phase",
    "conditions",
    "addresses",
    "daemonEndpoints",
    "nodeInfo",
    "images",
    "volumesInUse",
    "volumesAttached",
    "config",
    "runtimeHandlers",
    "features",
    "declaredFeatures",
];

const TAINT: &[&str] = &["key", "value", "effect", "timeAdded"];

const CONTAINER_IMAGE: &[&str] = &["names", "sizeBytes"];

const CSI_NODE: &[&str] = &["apiVersion", "kind", "metadata", "spec"];

const CSI_NODE_DRIVER: &[&str] = &["name", "nodeID", "topologyKeys", "allocatable"];

/// The fields of the type of the mapping at `path` (`spec.template.spec.
/// containers[0]`, list indices and a `List`'s `items[i].` prefix allowed)
/// in an object of `kind`; `None` where the keys are data or stsim does not
/// know the type.
pub(crate) fn fields(kind: &str, path: &str) -> Option<&'static [&'static str]> {
    let path = normalized(path);
    let segments: Vec<&str> = if path.is_empty() { Vec::new() } else { path.split('.').collect() };
    let Some((&last, parents)) = segments.split_last() else {
        return Some(match kind {
            "List" => LIST,
            "StorageClass" => STORAGE_CLASS,
            "CSINode" => CSI_NODE,
            _ => OBJECT,
        });
    };
    let parent = parents.last().copied().unwrap_or("");
    let top = segments.len() == 1;
    // A field of the object's own `spec`.
    let in_spec = parents == ["spec"];
    Some(match last {
        "metadata" => OBJECT_META,
        "spec" if top => match kind {
            "StatefulSet" => STATEFUL_SET_SPEC,
            "Service" => SERVICE_SPEC,
            "PodDisruptionBudget" => PDB_SPEC,
            "PersistentVolume" => PV_SPEC,
            "PersistentVolumeClaim" => PVC_SPEC,
            "Node" => NODE_SPEC,
            "CSINode" => &["drivers"],
            "Namespace" => &["finalizers"],
            "Pod" => POD_SPEC,
            _ => return None,
        },
        "status" if top && kind == "Node" => NODE_STATUS,
        "spec" if parent == "template" => POD_SPEC,
        "spec" if parent == "volumeClaimTemplates" => PVC_SPEC,
        "template" if in_spec => POD_TEMPLATE,
        "volumeClaimTemplates" => OBJECT,
        "updateStrategy" if in_spec => &["type", "rollingUpdate"],
        "rollingUpdate" if parent == "updateStrategy" => &["partition", "maxUnavailable"],
        "persistentVolumeClaimRetentionPolicy" => &["whenDeleted", "whenScaled"],
        "ordinals" => &["start"],
        // A Service's selector is a map of labels; the others are selectors.
        "selector" if kind == "Service" => return None,
        "selector" | "labelSelector" | "namespaceSelector" => LABEL_SELECTOR,
        "matchExpressions" | "matchFields" => REQUIREMENT,
        "containers" | "initContainers" => CONTAINER,
        "env" if parent == "containers" || parent == "initContainers" => &["name", "value", "valueFrom"],
        "ports" if parent == "containers" || parent == "initContainers" => CONTAINER_PORT,
        "ports" if kind == "Service" && in_spec => SERVICE_PORT,
        "resources" if parent == "containers" || parent == "initContainers" || is_pod_spec(kind, parents) => {
            RESOURCE_REQUIREMENTS
        }
        "resources" if parent == "spec" => VOLUME_RESOURCE_REQUIREMENTS,
        "livenessProbe" | "readinessProbe" | "startupProbe" => PROBE,
        "lifecycle" => LIFECYCLE,
        "postStart" | "preStop" => LIFECYCLE_HANDLER,
        "sleep" => &["seconds"],
        "affinity" => AFFINITY,
        "nodeAffinity" if kind == "PersistentVolume" => &["required"],
        "nodeAffinity" | "podAffinity" | "podAntiAffinity" => AFFINITY_KIND,
        "required" if parent == "nodeAffinity" => NODE_SELECTOR,
        "requiredDuringSchedulingIgnoredDuringExecution" if parent == "nodeAffinity" => NODE_SELECTOR,
        "requiredDuringSchedulingIgnoredDuringExecution" => POD_AFFINITY_TERM,
        "preferredDuringSchedulingIgnoredDuringExecution" if parent == "nodeAffinity" => {
            PREFERRED_SCHEDULING_TERM
        }
        "preferredDuringSchedulingIgnoredDuringExecution" => WEIGHTED_POD_AFFINITY_TERM,
        "podAffinityTerm" => POD_AFFINITY_TERM,
        "nodeSelectorTerms" | "preference" => NODE_SELECTOR_TERM,
        "tolerations" => TOLERATION,
        "topologySpreadConstraints" => TOPOLOGY_SPREAD_CONSTRAINT,
        "taints" => TAINT,
        "images" if kind == "Node" => CONTAINER_IMAGE,
        "claimRef" => OBJECT_REFERENCE,
        "hostPath" if kind == "PersistentVolume" => &["path", "type"],
        "drivers" if kind == "CSINode" => CSI_NODE_DRIVER,
        "allocatable" if parent == "drivers" => &["count"],
        "allowedTopologies" => &["matchLabelExpressions"],
        "matchLabelExpressions" => &["key", "values"],
        _ => return None,
    })
}

/// Whether `parents` (the segments above a field) are a pod's spec: a
/// template's `spec.template.spec`, or a Pod's own `spec`.
fn is_pod_spec(kind: &str, parents: &[&str]) -> bool {
    matches!(parents, [.., "template", "spec"]) || (kind == "Pod" && parents == ["spec"])
}

/// `path` without list indices and without a `List`'s `items[i].`.
fn normalized(path: &str) -> String {
    let path = match path.strip_prefix("items[") {
        Some(rest) => match rest.find("]") {
            Some(end) => rest[end + 1..].trim_start_matches('.'),
            None => path,
        },
        None => path,
    };
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => in_index = true,
            ']' => in_index = false,
            _ if !in_index => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_their_types() {
        assert_eq!(fields("StatefulSet", ""), Some(OBJECT));
        assert_eq!(fields("StatefulSet", "spec"), Some(STATEFUL_SET_SPEC));
        assert_eq!(fields("StatefulSet", "items[3].spec"), Some(STATEFUL_SET_SPEC));
        assert_eq!(fields("StatefulSet", "spec.template.spec"), Some(POD_SPEC));
        assert_eq!(fields("StatefulSet", "spec.template"), Some(POD_TEMPLATE));
        assert_eq!(fields("StatefulSet", "spec.updateStrategy"), Some(&["type", "rollingUpdate"][..]));
        assert_eq!(fields("StatefulSet", "spec.template.spec.containers[1]"), Some(CONTAINER));
        assert_eq!(
            fields("StatefulSet", "spec.template.spec.containers[0].resources"),
            Some(RESOURCE_REQUIREMENTS)
        );
        assert_eq!(fields("StatefulSet", "spec.template.spec.containers[0].resources.requests"), None);
        assert_eq!(fields("StatefulSet", "spec.volumeClaimTemplates[0].spec"), Some(PVC_SPEC));
        assert_eq!(
            fields("StatefulSet", "spec.volumeClaimTemplates[0].spec.resources"),
            Some(VOLUME_RESOURCE_REQUIREMENTS)
        );
        assert_eq!(fields("PersistentVolumeClaim", "spec.resources"), Some(VOLUME_RESOURCE_REQUIREMENTS));
        assert_eq!(fields("Pod", "spec.resources"), Some(RESOURCE_REQUIREMENTS));
        assert_eq!(fields("Service", "spec.selector"), None);
        assert_eq!(fields("Service", "spec.ports[0]"), Some(SERVICE_PORT));
        assert_eq!(fields("StatefulSet", "spec.selector"), Some(LABEL_SELECTOR));
        assert_eq!(fields("StorageClass", "parameters"), None);
        assert_eq!(fields("PersistentVolume", "spec.nodeAffinity.required"), Some(NODE_SELECTOR));
        assert_eq!(
            fields(
                "StatefulSet",
                "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
            ),
            Some(NODE_SELECTOR)
        );
        assert_eq!(
            fields(
                "StatefulSet",
                "spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]"
            ),
            Some(WEIGHTED_POD_AFFINITY_TERM)
        );
    }

    /// Every list is a set: a name twice would hide a typo of another.
    #[test]
    fn no_list_names_a_field_twice() {
        for list in [
            OBJECT,
            OBJECT_META,
            LIST,
            STATEFUL_SET_SPEC,
            POD_SPEC,
            CONTAINER,
            PROBE,
            SERVICE_SPEC,
            PV_SPEC,
            PVC_SPEC,
            NODE_STATUS,
            STORAGE_CLASS,
            TOPOLOGY_SPREAD_CONSTRAINT,
            POD_AFFINITY_TERM,
        ] {
            let mut sorted = list.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), list.len(), "{list:?}");
        }
    }
}
