#!/usr/bin/env python3
"""Restarts an etcd cluster's members one at a time, judging each by its
containers' readiness. BUGGY ON PURPOSE.

Same as ./fixed.py, but a member counts as healthy when its pod's
ContainersReady condition is True (the same as every entry of
status.containerStatuses being ready). That is the kubelet's last report.
When a node stops answering, its kubelet reports nothing more: the node
lifecycle controller turns the pod's Ready condition False
(MarkPodsNotReady) and leaves ContainersReady as it was, True. So with a
member on a dead node the operator still sees three healthy members,
deletes another one for its restart, and two of three members are down:
no majority, no writes.

Mirrors the confusion kubernetes/website#47503 corrected ("A Pod is
considered ready when all of its containers are ready" is wrong: the
Ready condition is also False when the pod's node is NotReady) and
kubernetes/website#31596 (a pod not Ready whose containers are all
ready, after a node health event).
"""
import json
import sys

RESYNC_MS, STABLE_MS = 5_000, 45_000
healthy_since_ms = {}  # by cluster: since when every member was healthy at each look


def healthy(pod):
    conditions = pod["status"].get("conditions", [])
    return any(c["type"] == "ContainersReady" and c["status"] == "True" for c in conditions)


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
