"""Per-stage statistics and the output manifest of `toolmind filter`.

Statistics are recomputed from the output files (not counted on the fly), so a resumed run reports the
whole run, not just its last part.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
from collections import Counter
from pathlib import Path
from typing import Any

from toolmind import __version__
from toolmind.filter.config import ALL_STAGES, TURN_STAGES, FilterConfig
from toolmind.schema import RecordError

FINAL_STEP = "all_masked"
_RULE_RE = re.compile(r"^(turn_rules|turn_judge): ([a-z_]+)?")


def _records(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _masks(record: dict[str, Any]) -> list[tuple[str, str]]:
    """(stage, rule) of the first masking reason of each masked turn."""
    out = []
    for label in record.get("labels", []):
        if label.get("train", True) or not label.get("reasons"):
            continue
        match = _RULE_RE.match(label["reasons"][0])
        if match:
            stage = match.group(1)
            rule = match.group(2) if stage == "turn_rules" and match.group(2) else stage
            out.append((stage, rule))
        else:
            out.append(("input", "masked_in_input"))
    return out


def compute_stats(kept_path: Path, dropped_path: Path, stages: list[str]) -> dict[str, Any]:
    """Counts in/out per stage, drop reasons, masked turns per turn stage, masked-turn share overall."""
    kept, dropped = _records(kept_path), _records(dropped_path)
    total = len(kept) + len(dropped)
    dropped_at: Counter[str] = Counter()
    reasons_at: dict[str, Counter[str]] = {s: Counter() for s in (*ALL_STAGES, FINAL_STEP)}
    for rec in dropped:
        info = rec.get("meta", {}).get("filter", {}).get("dropped", {})
        stage = info.get("stage", "unknown")
        dropped_at[stage] += 1
        reasons_at.setdefault(stage, Counter()).update(info.get("rules", []))
    # Turn stages see the records that survived the trajectory stages (kept + dropped at all_masked).
    reaching_turns = kept + [
        r
        for r in dropped
        if r.get("meta", {}).get("filter", {}).get("dropped", {}).get("stage") == FINAL_STEP
    ]
    turns_in = sum(len(r.get("labels", [])) for r in reaching_turns)
    masked_by: Counter[str] = Counter()
    mask_rules: dict[str, Counter[str]] = {s: Counter() for s in TURN_STAGES}
    for rec in reaching_turns:
        for stage, rule in _masks(rec):
            masked_by[stage] += 1
            mask_rules.setdefault(stage, Counter())[rule] += 1
    rows = []
    remaining = total
    remaining_turns = turns_in
    for stage in [*stages, FINAL_STEP]:
        n_drop = dropped_at.get(stage, 0)
        row: dict[str, Any] = {
            "stage": stage,
            "level": "turn" if stage in TURN_STAGES else "trajectory",
            "in": remaining,
            "out": remaining - n_drop,
            "dropped": n_drop,
            "drop_reasons": dict(reasons_at.get(stage, Counter()).most_common()),
        }
        if stage in TURN_STAGES:
            row["turns_in"] = remaining_turns
            row["turns_masked"] = masked_by.get(stage, 0)
            row["mask_reasons"] = dict(mask_rules[stage].most_common())
            remaining_turns -= masked_by.get(stage, 0)
        rows.append(row)
        remaining -= n_drop
    kept_turns = sum(len(r.get("labels", [])) for r in kept)
    kept_masked = sum(1 for r in kept for lab in r.get("labels", []) if not lab.get("train", True))
    return {
        "records": total,
        "kept": len(kept),
        "dropped": len(dropped),
        "kept_share": len(kept) / total if total else 0.0,
        "assistant_turns_kept": kept_turns,
        "masked_turns_kept": kept_masked,
        "masked_turn_share": kept_masked / kept_turns if kept_turns else 0.0,
        "stages": rows,
    }


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(
    out: Path,
    in_path: Path,
    config: FilterConfig,
    stats: dict[str, Any],
    judge: dict[str, Any],
    errors: list[RecordError],
    seen: int,
    seconds: float,
) -> dict[str, Any]:
    """Write OUT/manifest.json and return it."""
    manifest = {
        "command": "filter",
        "config": config.to_dict(),
        "versions": {"toolmind": __version__, "python": platform.python_version()},
        "input": {
            "path": str(in_path),
            "sha256": sha256_file(in_path),
            "records_read": seen,
            "bad_records": len({(e.path, e.line) for e in errors}),
            "errors": [str(e) for e in errors[:50]],
        },
        "judge": judge,
        "totals": {
            "trajectories_in": stats["records"],
            "kept_trajectories": stats["kept"],
            "dropped_trajectories": stats["dropped"],
            "assistant_turns": stats["assistant_turns_kept"],
            "masked_turns": stats["masked_turns_kept"],
        },
        "stats": stats,
        "timing": {
            "seconds": round(seconds, 3),
            "trajectories_per_s": round(seen / seconds, 1) if seconds else None,
        },
    }
    tmp = out / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(out / "manifest.json")
    return manifest
