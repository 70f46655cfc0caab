#!/usr/bin/env python3
"""A subtly wrong PVC cleaner, written against Kubernetes JSON (stsim protocol 2).

It deletes the claim of any StatefulSet pod that has not been Ready for
30 s, taking "not Ready" for "gone". A pod that is only slow to start or
being rescheduled loses its claim: pvc-protection holds the claim while
the pod uses it, and the pod's next restart comes back to an empty volume.

Mirrors the class of bug that orphan-PVC cleanups in operators invite
(pravega/zookeeper-operator#94 and #96, instaclustr/cassandra-operator#53)
and that KEP-1847 (StatefulSet PVC auto-deletion) was written to end:
cleanup decided from pod health instead of from the StatefulSet's
desired replicas.
"""
import json
import sys

AFTER_MS = 30_000
first_seen = {}


def ready(pod):
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", []))


def reconcile(request):
    view, now = request["view"], request["timeMs"]
    ready_pods = {pod["metadata"]["name"] for pod in view["pods"] if ready(pod)}
    actions, requeue, candidates = [], None, set()
    for claim in view["persistentVolumeClaims"]:
        name = claim["metadata"]["name"]
        if "deletionTimestamp" in claim["metadata"]:
            continue
        for sts in view["statefulSets"]:
            for template in sts["spec"]["volumeClaimTemplates"]:
                prefix = f"{template['metadata']['name']}-{sts['metadata']['name']}-"
                if not name.startswith(prefix):
                    continue
                pod = f"{sts['metadata']['name']}-{name[len(prefix):]}"
                if pod in ready_pods:
                    continue
                candidates.add(name)
                due = first_seen.setdefault(name, now) + AFTER_MS
                if now >= due:
                    actions.append({"action": "Delete", "kind": "PersistentVolumeClaim", "name": name})
                else:
                    requeue = min(requeue or due - now, due - now)
    for name in list(first_seen):
        if name not in candidates:
            del first_seen[name]
    return {"actions": actions, "requeueAfterMs": requeue}


for line in sys.stdin:
    print(json.dumps(reconcile(json.loads(line))), flush=True)
