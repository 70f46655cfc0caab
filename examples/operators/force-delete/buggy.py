#!/usr/bin/env python3
"""Frees StatefulSet pods stuck on a NotReady node by force-deleting them. BUGGY ON PURPOSE.

Same as ./fixed.py, but it takes NotReady for "the machine is off". When
the node is only cut off from the control plane (a partition), its
containers keep running; the force delete frees the pod's name, the
StatefulSet creates it again elsewhere, and once the volume is detached
by force (6 minutes) two copies of one identity run: split brain.

Mirrors kubernetes/kubernetes#35145 ("Node controller shouldn't hard
delete pods on partitioned nodes", fixed by #35235: force deletion of
StatefulSet pods can lead to split brain) and the rejected
kubernetes/kubernetes#66126, which proposed exactly this automation; the
documentation's "Force Delete StatefulSet Pods" warns against it.
"""
import json
import sys

AFTER_MS = 30_000


def node_ready(node):
    return any(c["type"] == "Ready" and c["status"] == "True" for c in node["status"]["conditions"])


def reconcile(request):
    view, now = request["view"], request["timeMs"]
    nodes = {n["metadata"]["name"]: n for n in view["nodes"]}
    actions, requeue = [], None
    for pod in view["pods"]:
        meta, node = pod["metadata"], nodes.get(pod["spec"].get("nodeName"))
        if "deletionTimestamp" not in meta or node is None or node_ready(node):
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
