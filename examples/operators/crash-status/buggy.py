#!/usr/bin/env python3
"""A ZooKeeper-style cluster operator that trusts its memory. BUGGY ON PURPOSE.

It scales the StatefulSet when the ZookeeperCluster's spec.replicas
changes, and in the same reconcile writes status.replicas, as if the two
writes were one. It is edge-triggered: it writes the status only when it
scales. A crash after the scale and before the status write (the
scenario's crashAt) leaves status.replicas at the old size for good: after
the restart the set already has the wanted size, so there is nothing to
do.

Mirrors the crash-recovery ("intermediate state") bugs Sieve found in
operators (Sun et al., OSDI 2022) and keikoproj/iam-manager#37 (a
controller restarted mid-operation leaves the resource's status "in
progress" forever; the fix is an idempotent, level-triggered reconcile).
"""
import json
import sys


def reconcile(request):
    view = request["view"]
    sets = {s["metadata"]["name"]: s for s in view["statefulSets"]}
    actions = []
    for zk in (o for o in view["customResources"] if o["kind"] == "ZookeeperCluster"):
        name, want = zk["metadata"]["name"], zk["spec"]["replicas"]
        sts = sets.get(name)
        if sts is not None and sts["spec"]["replicas"] != want:
            actions.append({"action": "Patch", "kind": "StatefulSet", "name": name,
                            "patch": {"spec": {"replicas": want}}})
            zk["status"] = {"replicas": want, "observedGeneration": zk["metadata"]["generation"]}
            actions.append({"action": "UpdateStatus", "object": zk})
    return {"actions": actions}


for line in sys.stdin:
    print(json.dumps(reconcile(json.loads(line))), flush=True)
