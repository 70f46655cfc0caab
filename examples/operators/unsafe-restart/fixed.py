#!/usr/bin/env python3
"""Restarts an etcd cluster's members through the eviction API (stsim protocol 2).

When an EtcdCluster's spec.restartedAt moves past a member pod's
creationTimestamp, the pod must be restarted (new configuration). It asks
the eviction API for every such pod on each resync and lets the
PodDisruptionBudget pace the restart: the API server evicts one (201) and
answers 429 TooManyRequests ("Cannot evict pod as it would violate the
pod's disruption budget.") for the others until the evicted member is
back and Ready. Kubernetes' Ready is not etcd's "in quorum" (a member
that just came back is Ready before its peers resolve its name: CoreDNS
caches the NXDOMAIN they got for up to 30 s), so like real etcd operators
it also waits for the cluster to be healthy before it disrupts another
member; here: every member Ready for STABLE_MS. Quorum is never lost.
See ./buggy.py.
"""
import json
import sys
from datetime import datetime, timedelta, timezone

RESYNC_MS, STABLE_MS = 5_000, 45_000
EPOCH = datetime(2025, 1, 1, tzinfo=timezone.utc)  # stsim's time zero


def ready_since(pod):
    for c in pod["status"].get("conditions", []):
        if c["type"] == "Ready" and c["status"] == "True" and "lastTransitionTime" in c:
            return datetime.fromisoformat(c["lastTransitionTime"].replace("Z", "+00:00"))
    return None


def reconcile(request):
    view = request["view"]
    now = EPOCH + timedelta(milliseconds=request["timeMs"])
    actions = []
    for cluster in (o for o in view["customResources"] if o["kind"] == "EtcdCluster"):
        restarted_at = cluster["spec"].get("restartedAt")
        name = cluster["metadata"]["name"]
        members = [p for p in view["pods"] if name in [r["name"] for r in p["metadata"].get("ownerReferences", [])]]
        stable = len(members) == cluster["spec"]["size"] and all(
            ready_since(p) and now - ready_since(p) >= timedelta(milliseconds=STABLE_MS) for p in members)
        if not stable:
            continue
        for pod in view["pods"]:
            owners = [ref["name"] for ref in pod["metadata"].get("ownerReferences", [])]
            stale = restarted_at and pod["metadata"]["creationTimestamp"] < restarted_at
            if name in owners and stale and "deletionTimestamp" not in pod["metadata"]:
                actions.append({"action": "Evict", "name": pod["metadata"]["name"]})
    return {"actions": actions, "requeueAfterMs": RESYNC_MS}


for line in sys.stdin:
    print(json.dumps(reconcile(json.loads(line))), flush=True)
