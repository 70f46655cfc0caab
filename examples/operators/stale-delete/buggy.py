#!/usr/bin/env python3
"""A PVC cleaner that deletes by name from a stale cache. BUGGY ON PURPOSE.

Same logic as ./fixed.py, but its delete carries no precondition. Its
informer cache lags: after it deleted data-redis-2 and the set was scaled
back up, its cache still shows the old claim, so it deletes
"data-redis-2" again, which is now the new claim of the new redis-2.

Mirrors the stale-read bugs Sieve found (Sun et al., "Automatic
Reliability Testing for Cluster Management Controllers", OSDI 2022), e.g.
instaclustr/cassandra-operator#407 ("Reading stale pod information can
lead to undesired PVC deletion"), and the fix the Kubernetes API offers
for it: DeleteOptions.preconditions.uid, as the kubelet itself adopted
(kubernetes/kubernetes#25224).
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
                    actions.append({"action": "Delete", "kind": "PersistentVolumeClaim", "name": meta["name"]})
    for uid in set(first_seen) - seen:
        del first_seen[uid]
    return {"actions": actions, "requeueAfterMs": RESYNC_MS}


for line in sys.stdin:
    print(json.dumps(reconcile(json.loads(line))), flush=True)
