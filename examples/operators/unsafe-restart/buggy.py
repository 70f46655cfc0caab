#!/usr/bin/env python3
"""Restarts an etcd cluster's members by deleting them. BUGGY ON PURPOSE.

Same as ./fixed.py, but it deletes every member pod that needs a restart
at once, instead of asking the eviction API: deletes do not consult
PodDisruptionBudgets. Two of three members down is no majority: the
cluster takes no writes until they are back.

Mirrors rolling restarts that ignore quorum, e.g. coreos/etcd-operator#1323
(members deleted while the cluster was not healthy) and the reason
Kubernetes' own guidance for quorum-based workloads is a PDB with
maxUnavailable: 1 plus evictions, not deletes.
"""
import json
import sys

RESYNC_MS = 5_000


def reconcile(request):
    view = request["view"]
    actions = []
    for cluster in (o for o in view["customResources"] if o["kind"] == "EtcdCluster"):
        restarted_at = cluster["spec"].get("restartedAt")
        name = cluster["metadata"]["name"]
        for pod in view["pods"]:
            owners = [ref["name"] for ref in pod["metadata"].get("ownerReferences", [])]
            stale = restarted_at and pod["metadata"]["creationTimestamp"] < restarted_at
            if name in owners and stale and "deletionTimestamp" not in pod["metadata"]:
                actions.append({"action": "Delete", "kind": "Pod", "name": pod["metadata"]["name"]})
    return {"actions": actions, "requeueAfterMs": RESYNC_MS}


for line in sys.stdin:
    print(json.dumps(reconcile(json.loads(line))), flush=True)
