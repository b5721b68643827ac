"""Exact and near-duplicate removal of user goals (MinHash LSH over word shingles, `datasketch`)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from datasketch import MinHash, MinHashLSH

from toolmind.data.config import BuildConfig
from toolmind.schema import Trajectory

_WORD = re.compile(r"[a-z0-9]+")


def goal_text(traj: Trajectory) -> str:
    """The user goal: `meta.goal` when the synthesizer recorded it, else all user turns joined."""
    goal = traj.meta.get("goal")
    if isinstance(goal, str) and goal.strip():
        return goal
    return "\n".join(m.content for m in traj.messages if m.role == "user")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@dataclass
class DedupResult:
    kept: list[Trajectory] = field(default_factory=list)
    exact: list[tuple[str, str]] = field(default_factory=list)  # (dropped id, kept id)
    near: list[tuple[str, str]] = field(default_factory=list)


def deduplicate(trajectories: list[Trajectory], config: BuildConfig) -> DedupResult:
    """Keep the first trajectory of every exact or near-duplicate group of goals, in input order."""
    result = DedupResult()
    seen: dict[str, str] = {}
    lsh = MinHashLSH(threshold=config.near_threshold, num_perm=config.num_perm) if config.dedup_near else None
    for traj in trajectories:
        tokens = words(goal_text(traj))
        key = hashlib.sha1(" ".join(tokens).encode()).hexdigest()
        if config.dedup_exact and key in seen:
            result.exact.append((traj.id, seen[key]))
            continue
        if lsh is not None:
            n = config.shingle_words
            shingles = {" ".join(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1))}
            mh = MinHash(num_perm=config.num_perm, seed=1)
            for s in shingles:
                mh.update(s.encode())
            match = lsh.query(mh)
            if match:
                result.near.append((traj.id, sorted(match)[0]))
                continue
            if traj.id not in lsh:
                lsh.insert(traj.id, mh)
        seen.setdefault(key, traj.id)
        result.kept.append(traj)
    return result
