#!/usr/bin/env python3
"""Makes an etcd cluster's StatefulSet from its EtcdCluster (stsim protocol 2).

The StatefulSet is generated from the custom resource: its size, its
image, its volume size. A volume size change cannot be patched in:
`volumeClaimTemplates` is immutable (the API server answers 422), so the
operator deletes the StatefulSet and creates it again on a later
reconcile. It deletes with `propagationPolicy: Orphan`: the pods keep
running, unowned, and the new set, with the same name, selector and
template, adopts them (no restart). The claims the pods already have
keep their size; expanding them is a separate step. See ./buggy.py.
"""
import json
import sys

RESYNC_MS = 5_000
PROPAGATION = "Orphan"
# The container as the scenario's set has it (stsim serves a scenario's
# template with one container named "main"): the new set's template must be
# the same, every field, or it is a new revision and a rolling restart.
CONTAINER = "main"


def desired(cluster):
    """The StatefulSet an EtcdCluster asks for."""
    name, spec = cluster["metadata"]["name"], cluster["spec"]
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": spec["size"],
            "serviceName": name,
            "podManagementPolicy": "Parallel",
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": CONTAINER, "image": spec.get("image", "etcd:3.5")}]},
            },
            "volumeClaimTemplates": [{
                "metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOnce"],
                         "resources": {"requests": {"storage": spec["storage"]}}},
            }],
        },
    }


def reconcile(request):
    view = request["view"]
    actions = []
    for cluster in (o for o in view["customResources"] if o["kind"] == "EtcdCluster"):
        name = cluster["metadata"]["name"]
        found = [s for s in view["statefulSets"] if s["metadata"]["name"] == name]
        if not found:
            actions.append({"action": "Create", "object": desired(cluster)})
            continue
        current = found[0]
        if "deletionTimestamp" in current["metadata"]:
            continue
        want = desired(cluster)["spec"]["volumeClaimTemplates"]
        have = current["spec"]["volumeClaimTemplates"]
        size = lambda templates: templates[0]["spec"]["resources"]["requests"]["storage"]
        if size(want) != size(have):
            # Immutable: delete now, create again once it is gone.
            actions.append({"action": "Delete", "kind": "StatefulSet", "name": name,
                            "preconditions": {"uid": current["metadata"]["uid"]},
                            "propagationPolicy": PROPAGATION})
    return {"actions": actions, "requeueAfterMs": RESYNC_MS}


for line in sys.stdin:
    print(json.dumps(reconcile(json.loads(line))), flush=True)
