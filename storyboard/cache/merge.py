"""Three-way merge of `storyboard.lock`, node by node: the git merge driver behind
`storyboard merge-lock BASE OURS THEIRS`.

Line-level merges already succeed when branches touch different nodes; what they cannot do is
merge a node both branches rebuilt (a cut holding a shot from each). Such a node keeps our record
and theirs goes to its history: both outputs stay findable by key, and the next build, which
sees both shots, renders the cut that holds both (free: cuts are local). Histories are unioned.
"""

from __future__ import annotations

from pathlib import Path

from storyboard.cache.lockfile import LockFile, Record


def _read(path: Path) -> LockFile:
    if path.is_file() and not path.read_text("utf-8").strip():
        return LockFile(path.with_name(path.name + ".absent"))  # no base: an empty lock
    return LockFile(path)


def merge_locks(base: LockFile, ours: LockFile, theirs: LockFile) -> tuple[LockFile, list[str]]:
    """`ours` updated with `theirs`; returns it and the ids of nodes both sides changed."""
    both: list[str] = []
    for node_id in sorted(set(ours.nodes) | set(theirs.nodes)):
        b, o, t = base.nodes.get(node_id), ours.nodes.get(node_id), theirs.nodes.get(node_id)
        if t is None or t in (o, b):
            continue  # theirs did not change it (or changed it as we did)
        if o is None or o == b:
            ours.nodes[node_id] = t  # only theirs changed it; ours moves to the history
            continue
        both.append(node_id)
        ours.remember(node_id, t)
    for lock in (base, theirs):
        for node_id, entries in lock.history.items():
            for rec in entries:
                _keep(ours, node_id, rec)
        for node_id, rec in lock.nodes.items():
            _keep(ours, node_id, rec)
    return ours, both


def _keep(lock: LockFile, node_id: str, rec: Record) -> None:
    current = lock.nodes.get(node_id)
    if current is None or current.key != rec.key:
        lock.remember(node_id, rec)


def merge_files(base: Path, ours: Path, theirs: Path) -> list[str]:
    """Merge three lock files into `ours` (what git expects of a merge driver)."""
    merged, both = merge_locks(_read(base), _read(ours), _read(theirs))
    merged.path = ours
    merged.save()
    return both
