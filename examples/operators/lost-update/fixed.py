#!/usr/bin/env python3
"""Scales a StatefulSet to its RedisCluster's spec.size, safely (stsim protocol 2).

It writes the whole StatefulSet back (an update) with spec.replicas set,
carrying the metadata.resourceVersion of the copy it read. Its cache
lags: when someone changed the set after that copy was taken, the API
server answers 409 Conflict ("the object has been modified; please apply
your changes to the latest version and try again"), and it tries again on
its next resync from a fresher copy, so nobody's change is lost. (A merge
patch of only spec.replicas would do as well.) See ./buggy.py.
"""
import json
import sys

RESYNC_MS = 5_000


def reconcile(request):
    view = request["view"]
    for result in request["results"]:
        if result["status"] == "Failure":
            print(f"update refused: {result['code']} {result['reason']}: {result['message']}", file=sys.stderr)
    sets = {s["metadata"]["name"]: s for s in view["statefulSets"]}
    actions = []
    for cluster in (o for o in view["customResources"] if o["kind"] == "RedisCluster"):
        sts = sets.get(cluster["metadata"]["name"])
        if sts is not None and sts["spec"]["replicas"] != cluster["spec"]["size"]:
            sts["spec"]["replicas"] = cluster["spec"]["size"]
            actions.append({"action": "Update", "object": sts})
    return {"actions": actions, "requeueAfterMs": RESYNC_MS}


for line in sys.stdin:
    print(json.dumps(reconcile(json.loads(line))), flush=True)
