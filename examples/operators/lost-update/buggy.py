#!/usr/bin/env python3
"""Scales a StatefulSet to its RedisCluster's spec.size. BUGGY ON PURPOSE.

Same as ./fixed.py, but it drops metadata.resourceVersion before writing
the whole StatefulSet back ("to avoid conflicts"): an unconditional
update. Its cache lags, so until its own write shows up in the cache it
keeps writing back its stale copy, and a `kubectl set image` made in
between is silently undone: a lost update.

Mirrors apecloud/kubeblocks#4997 (two writers each get the StatefulSet
and update it whole; one undoes the other) and m3db/m3db-operator#271
(updates must carry the object's metadata so a changed set is not
overwritten), the stale-state overwrites Sieve reports (Sun et al., OSDI
2022), and the reason the API server has optimistic concurrency
(metadata.resourceVersion) at all.
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
            del sts["metadata"]["resourceVersion"]
            actions.append({"action": "Update", "object": sts})
    return {"actions": actions, "requeueAfterMs": RESYNC_MS}


for line in sys.stdin:
    print(json.dumps(reconcile(json.loads(line))), flush=True)
