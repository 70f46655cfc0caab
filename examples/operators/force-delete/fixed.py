#!/usr/bin/env python3
"""Frees StatefulSet pods stuck on a lost node, only when the machine is known to be off (stsim protocol 2).

A pod Terminating for 30 s on a NotReady node is force-deleted (gracePeriodSeconds: 0)
only if its Node carries the node.kubernetes.io/out-of-service taint, the
signal that someone confirmed the machine is shut down (non-graceful node
shutdown, Kubernetes 1.28 GA); otherwise NotReady may be a partition, and
its containers may still run. See ./buggy.py.
"""
import json
import sys

AFTER_MS = 30_000
OUT_OF_SERVICE = "node.kubernetes.io/out-of-service"


def node_ready(node):
    return any(c["type"] == "Ready" and c["status"] == "True" for c in node["status"]["conditions"])


def may_force(node):
    return any(t["key"] == OUT_OF_SERVICE for t in node["spec"].get("taints", []))


def reconcile(request):
    view, now = request["view"], request["timeMs"]
    nodes = {n["metadata"]["name"]: n for n in view["nodes"]}
    actions, requeue = [], None
    for pod in view["pods"]:
        meta, node = pod["metadata"], nodes.get(pod["spec"].get("nodeName"))
        if "deletionTimestamp" not in meta or node is None or node_ready(node) or not may_force(node):
            continue
        if not any(ref["kind"] == "StatefulSet" for ref in meta.get("ownerReferences", [])):
            continue
        # The deletion began this long ago (deletionTimestamp minus the grace period).
        due = request_ms(meta["deletionTimestamp"]) + AFTER_MS
        if now >= due:
            actions.append({"action": "Delete", "kind": "Pod", "name": meta["name"], "gracePeriodSeconds": 0,
                            "preconditions": {"uid": meta["uid"]}})
        else:
            requeue = min(requeue or due - now, due - now)
    return {"actions": actions, "requeueAfterMs": requeue}


def request_ms(timestamp):
    """Milliseconds since stsim's time zero (2025-01-01T00:00:00Z) of an RFC 3339 timestamp."""
    from datetime import datetime, timezone
    at = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return int((at - datetime(2025, 1, 1, tzinfo=timezone.utc)).total_seconds() * 1000)


for line in sys.stdin:
    print(json.dumps(reconcile(json.loads(line))), flush=True)
