#!/usr/bin/env python3
"""A ZooKeeper-style cluster operator that survives a crash between two writes (stsim protocol 2).

For each ZookeeperCluster it scales the StatefulSet to spec.replicas and
reports status.replicas (the set's readyReplicas, as Kubernetes reports
it) with status.observedGeneration. It is level-triggered: every
reconcile recomputes the status from what it observes and writes it when
it differs, so a crash after the scale and before the status write is
repaired by the next reconcile after the restart. See ./buggy.py.
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
        if sts is None:
            continue
        owned = any(ref["uid"] == zk["metadata"]["uid"] for ref in sts["metadata"].get("ownerReferences", []))
        if sts["spec"]["replicas"] != want:
            actions.append({"action": "Patch", "kind": "StatefulSet", "name": name,
                            "patch": {"spec": {"replicas": want}}})
        status = {"replicas": sts["status"].get("readyReplicas", 0),
                  "observedGeneration": zk["metadata"]["generation"], "ownsStatefulSet": owned}
        if zk.get("status") != status:
            zk["status"] = status
            actions.append({"action": "UpdateStatus", "object": zk})
    return {"actions": actions}


for line in sys.stdin:
    print(json.dumps(reconcile(json.loads(line))), flush=True)
