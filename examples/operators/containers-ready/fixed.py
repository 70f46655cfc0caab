#!/usr/bin/env python3
"""Restarts an etcd cluster's members one at a time, judging each by its
pod's Ready condition (stsim protocol 2).

When an EtcdCluster's spec.restartedAt moves past a member pod's
creationTimestamp, the member must be restarted. The operator deletes one
such member, then waits: it deletes the next only once every member's pod
has been healthy at each of its looks for STABLE_MS (time for a member
that came back to be resolved by its peers again: CoreDNS caches the
NXDOMAIN they got for up to 30 s). There is no PodDisruptionBudget: the
operator is the only guard of the quorum.

Ready is the condition that counts: the kubelet sets it from the
containers' readiness, and the node lifecycle controller turns it False
when the pod's node stops answering. See ./buggy.py, which reads the
kubelet's ContainersReady instead.
"""
import json
import sys

RESYNC_MS, STABLE_MS = 5_000, 45_000
healthy_since_ms = {}  # by cluster: since when every member was healthy at each look


def healthy(pod):
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", []))


def reconcile(request):
    view, now = request["view"], request["timeMs"]
    actions = []
    for cluster in (o for o in view["customResources"] if o["kind"] == "EtcdCluster"):
        restarted_at = cluster["spec"].get("restartedAt")
        name = cluster["metadata"]["name"]
        members = [p for p in view["pods"] if name in [r["name"] for r in p["metadata"].get("ownerReferences", [])]]
        all_healthy = len(members) == cluster["spec"]["size"] and all(
            healthy(p) and "deletionTimestamp" not in p["metadata"] for p in members)
        since = healthy_since_ms.setdefault(name, now) if all_healthy else healthy_since_ms.pop(name, None)
        if not all_healthy or not restarted_at or now - since < STABLE_MS:
            continue
        stale = sorted(p["metadata"]["name"] for p in members if p["metadata"]["creationTimestamp"] < restarted_at)
        if stale:
            actions.append({"action": "Delete", "kind": "Pod", "name": stale[0]})
            healthy_since_ms.pop(name)
    return {"actions": actions, "requeueAfterMs": RESYNC_MS}


for line in sys.stdin:
    print(json.dumps(reconcile(json.loads(line))), flush=True)
