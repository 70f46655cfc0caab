#!/usr/bin/env python3
"""A PVC cleaner for StatefulSets, written against Kubernetes JSON (stsim protocol 2).

It deletes the claims a scale-down left behind: a claim named
<template>-<set>-<ordinal> whose ordinal is outside the set's range
(spec.ordinals.start .. + spec.replicas) and that no pod mounts, once it
has been so for 30 s. It asks the StatefulSet, not the pods, so a pod that
is only being rescheduled keeps its claim; and it deletes with a uid
precondition, so it never deletes a newer claim of the same name.

Mirrors the orphan-PVC cleanup of pravega/zookeeper-operator#96 (for
#94: claims left by a scale-down broke the next scale-up; see also #513,
found by Acto): a claim is orphaned by the desired state (the
StatefulSet's replicas), not by the health of its pod.
"""
import json
import sys

AFTER_MS = 30_000
first_seen = {}  # claim uid -> when it was first seen left behind


def owned_ordinal(sets, claim):
    """(set, ordinal) if claim is <template>-<set>-<ordinal> of a set's template."""
    name = claim["metadata"]["name"]
    for sts in sets:
        for template in sts["spec"]["volumeClaimTemplates"]:
            prefix = f"{template['metadata']['name']}-{sts['metadata']['name']}-"
            if name.startswith(prefix) and name[len(prefix):].isdigit():
                return sts, int(name[len(prefix):])
    return None, None


def reconcile(request):
    view, now = request["view"], request["timeMs"]
    mounted = {
        volume["persistentVolumeClaim"]["claimName"]
        for pod in view["pods"]
        for volume in pod["spec"].get("volumes", [])
        if "persistentVolumeClaim" in volume
    }
    actions, requeue, candidates = [], None, set()
    for claim in view["persistentVolumeClaims"]:
        meta = claim["metadata"]
        if "deletionTimestamp" in meta or meta["name"] in mounted:
            continue
        sts, ordinal = owned_ordinal(view["statefulSets"], claim)
        if sts is None:
            continue
        start = sts["spec"].get("ordinals", {}).get("start", 0)
        if start <= ordinal < start + sts["spec"]["replicas"]:
            continue
        candidates.add(meta["uid"])
        due = first_seen.setdefault(meta["uid"], now) + AFTER_MS
        if now >= due:
            actions.append({"action": "Delete", "kind": "PersistentVolumeClaim", "name": meta["name"],
                            "preconditions": {"uid": meta["uid"]}})
        else:
            requeue = min(requeue or due - now, due - now)
    for uid in list(first_seen):
        if uid not in candidates:
            del first_seen[uid]
    return {"actions": actions, "requeueAfterMs": requeue}


for line in sys.stdin:
    print(json.dumps(reconcile(json.loads(line))), flush=True)
