"""Run statistics from the files on disk (so a resumed run reports on everything it holds)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from toolmind.schema import Trajectory, read_jsonl


def summarize(
    trajectories: Path, failed: Path | None = None, planned_ids: set[str] | None = None
) -> dict[str, Any]:
    """Counts, turns, calls, tokens, cost, situation shares, injected defects and failures by reason.

    A failure counts only while its id has no trajectory (a later resume that succeeded clears it).
    """
    records = read_jsonl(trajectories, Trajectory).records if trajectories.exists() else []
    n = len(records)
    situations: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    defects: Counter[str] = Counter()
    backends: Counter[str] = Counter()
    messages = calls = parallel_turns = assistant_turns = no_call_turns = 0
    prompt_tokens = completion_tokens = llm_calls = 0
    cost = 0.0
    for t in records:
        messages += len(t.messages)
        for m in t.messages:
            if m.role != "assistant":
                continue
            assistant_turns += 1
            k = len(m.tool_calls or [])
            calls += k
            parallel_turns += k > 1
            no_call_turns += k == 0
        situations.update(set(t.meta.get("situations", [])))
        errors.update(e.get("kind", "?") for e in t.meta.get("injected_errors", []))
        defects.update(t.meta.get("injected_trajectory_defects", []))
        backends.update(f"{role}={name}" for role, name in t.meta.get("backend", {}).items())
        usage = t.meta.get("usage", {})
        prompt_tokens += int(usage.get("prompt_tokens", 0))
        completion_tokens += int(usage.get("completion_tokens", 0))
        cost += float(usage.get("cost_usd", 0.0))
        llm_calls += int(usage.get("llm_calls", 0))
    have = {t.id for t in records}
    failures: Counter[str] = Counter()
    if failed is not None and failed.exists():
        last: dict[str, str] = {}
        with open(failed, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    rec = json.loads(line)
                    last[rec["id"]] = rec.get("reason", "unknown")
        failures.update(reason for fid, reason in last.items() if fid not in have)
    out: dict[str, Any] = {
        "trajectories": n,
        "duplicates": n - len(have),
        "failures": dict(failures),
        "messages_mean": round(messages / n, 2) if n else 0.0,
        "assistant_turns": assistant_turns,
        "tool_calls": calls,
        "parallel_call_turns": parallel_turns,
        "no_call_turns": no_call_turns,
        "llm_calls": llm_calls,
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "cost_usd": round(cost, 6),
        "situation_share": {k: round(v / n, 3) for k, v in sorted(situations.items())} if n else {},
        "injected_errors": dict(errors),
        "injected_trajectory_defects": dict(defects),
        "backends": sorted(backends),
    }
    if planned_ids is not None:
        out["missing"] = len(planned_ids - have)
        out["unplanned"] = len(have - planned_ids)
    return out
