#!/usr/bin/env python3
"""Restarts an etcd cluster's members by deleting them. BUGGY ON PURPOSE.

Same as ./fixed.py, but it deletes every member pod that needs a restart
at once, instead of asking the eviction API: deletes do not consult
PodDisruptionBudgets. Two of three members down is no majority: the
cluster takes no writes until they are back.

Mirrors coreos/etcd-operator#1116 ("Use pod disruption budgets"),
cozystack/etcd-operator#351 (a 5-voter cluster drained below quorum) and
etcd-io/etcd-operator#403 (quorum-gated, one-pod-at-a-time upgrades):
disruptions of a quorum must go through the eviction API and wait for
the cluster to be healthy again.
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
