#!/usr/bin/env python3
"""A subtly wrong PVC cleaner, for stsim to catch.

It deletes the claim of any StatefulSet pod that has not been Ready for
AFTER_MS, taking "not running" for "gone". A pod that is only being
rescheduled (slow image pull, node trouble) loses its claim: pvc-protection
holds the claim while the new pod uses it, and the next restart of that pod
comes back to an empty volume. Run scenarios/operators/external-naive-pvc-cleaner.ron
with `stsim test` to see it fail.
"""
import json
import sys

AFTER_MS = 30_000
first_seen = {}


def reconcile(request):
    view, now = request["view"], request["time_ms"]
    ready = {pod["name"] for pod in view["pods"] if pod["ready"]}
    actions, requeue, candidates = [], None, set()
    for claim in view["pvcs"]:
        name = claim["name"]
        for sts in view["statefulsets"]:
            for template in sts["claim_templates"]:
                prefix = f"{template}-{sts['name']}-"
                if not name.startswith(prefix) or claim["terminating"]:
                    continue
                pod = f"{sts['name']}-{name[len(prefix):]}"
                if pod in ready:
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
