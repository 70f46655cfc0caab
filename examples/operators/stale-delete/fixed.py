#!/usr/bin/env python3
"""A correct PVC cleaner reading a stale cache, made safe by a uid precondition.

Same logic as ../pvc-cleanup/fixed.py (claims whose ordinal the StatefulSet
scaled away, unmounted for GRACE_MS), resynced every 5 s as controllers are.
Its informer cache lags (the scenario's `lag` fault): after it deleted
data-redis-2 and the set was scaled back up, its cache still shows the
old claim. It deletes with `preconditions.uid` of the claim it saw, so the
API server answers 409 Conflict ("Precondition failed: UID in
precondition: ..., UID in object meta: ...") instead of deleting the new
claim of the same name. See ./buggy.py.
"""
import json
import sys

GRACE_MS, RESYNC_MS = 10_000, 5_000
first_seen = {}


def reconcile(request):
    view, now = request["view"], request["timeMs"]
    for result in request["results"]:
        if result["status"] == "Failure":
            print(f"write {result['action']} refused: {result['code']} {result['message']}", file=sys.stderr)
    mounted = {v["persistentVolumeClaim"]["claimName"] for p in view["pods"] for v in p["spec"]["volumes"]}
    actions, seen = [], set()
    for claim in view["persistentVolumeClaims"]:
        meta = claim["metadata"]
        for sts in view["statefulSets"]:
            for template in sts["spec"]["volumeClaimTemplates"]:
                prefix = f"{template['metadata']['name']}-{sts['metadata']['name']}-"
                ordinal = meta["name"][len(prefix):]
                if not meta["name"].startswith(prefix) or not ordinal.isdigit():
                    continue
                if int(ordinal) < sts["spec"]["replicas"] or meta["name"] in mounted or "deletionTimestamp" in meta:
                    continue
                seen.add(meta["uid"])
                if now >= first_seen.setdefault(meta["uid"], now) + GRACE_MS:
                    actions.append({"action": "Delete", "kind": "PersistentVolumeClaim", "name": meta["name"],
                                    "preconditions": {"uid": meta["uid"]}})
    for uid in set(first_seen) - seen:
        del first_seen[uid]
    return {"actions": actions, "requeueAfterMs": RESYNC_MS}


for line in sys.stdin:
    print(json.dumps(reconcile(json.loads(line))), flush=True)
