#!/usr/bin/env python3
"""A PVC cleaner for StatefulSets, speaking stsim's operator protocol.

It deletes the claims a scale-down left behind: a claim whose ordinal is
outside its StatefulSet's range and that no pod uses, once it has been so
for AFTER_MS. It asks the StatefulSet, not the pods, so a pod that is only
being rescheduled keeps its claim.

Protocol (docs/operator-protocol.md): one JSON request per line on stdin,
one JSON answer per line on stdout.
"""
import json
import sys

AFTER_MS = 30_000
first_seen = {}  # claim name -> when it was first seen left behind


def claim_ordinal(view, claim):
    for sts in view["statefulsets"]:
        for template in sts["claim_templates"]:
            prefix = f"{template}-{sts['name']}-"
            if claim.startswith(prefix) and claim[len(prefix):].isdigit():
                return sts, int(claim[len(prefix):])
    return None, None


def reconcile(request):
    view, now = request["view"], request["time_ms"]
    used = {c for pod in view["pods"] for c in pod["claims"]}
    actions, requeue, candidates = [], None, set()
    for claim in view["pvcs"]:
        name = claim["name"]
        sts, ordinal = claim_ordinal(view, name)
        if sts is None or claim["terminating"] or name in used:
            continue
        start = sts["ordinals_start"]
        if start <= ordinal < start + sts["replicas"]:
            continue
        candidates.add(name)
        due = first_seen.setdefault(name, now) + AFTER_MS
        if now >= due:
            actions.append({"action": "DeletePvc", "name": name})
        else:
            requeue = min(requeue or due - now, due - now)
    for name in list(first_seen):
        if name not in candidates:
            del first_seen[name]
    return {"actions": actions, "requeue_after_ms": requeue}


for line in sys.stdin:
    print(json.dumps(reconcile(json.loads(line))), flush=True)
