"""Recall of the filters on the scripted synthesizer's injected defects, and how much clean data survives.

Runs `toolmind synth` (scripted backend, error injection on) unless --in is given, then `toolmind filter`
with the offline default (rules + scripted judge + turn stages), then scores with the injection labels the
synthesizer recorded in `meta` (the filters never read them):

- injected turn errors (`meta.injected_errors`): caught when the trajectory is dropped or the bad turn is
  masked; for masked ones we also check that the next assistant turn (the self-correction) stays trainable;
- injected trajectory defects (`meta.injected_trajectory_defects`): caught when the trajectory is dropped;
- clean trajectories (no injection): the share kept, and the share of their assistant turns masked.

Goals (issue 5): >= 95% of injected errors removed or masked, >= 90% of clean trajectories kept.

    .venv/bin/python benchmarks/filter_recall.py --n 400
    .venv/bin/python benchmarks/filter_recall.py --in runs/synth
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from toolmind.filter.config import FilterConfig
from toolmind.filter.pipeline import run_filter


def _load(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    return {r["id"]: r for r in (json.loads(line) for line in path.read_text().splitlines() if line.strip())}


def score(
    source: dict[str, dict[str, Any]], kept: dict[str, dict[str, Any]], dropped: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The recall / retention figures."""
    errors_total: Counter[str] = Counter()
    errors_caught: Counter[str] = Counter()
    how: Counter[str] = Counter()
    corrections, corrections_trainable = 0, 0
    defects_total: Counter[str] = Counter()
    defects_caught: Counter[str] = Counter()
    clean, clean_kept, clean_turns, clean_masked = 0, 0, 0, 0
    missed: list[str] = []
    lost_clean: Counter[str] = Counter()
    for tid, rec in source.items():
        meta = rec.get("meta", {})
        injected = meta.get("injected_errors") or []
        defects = meta.get("injected_trajectory_defects") or []
        out = kept.get(tid)
        for d in defects:
            defects_total[d] += 1
            if tid in dropped:
                defects_caught[d] += 1
        for e in injected:
            kind, idx = e["kind"], e["message_index"]
            errors_total[kind] += 1
            if tid in dropped:
                errors_caught[kind] += 1
                how["trajectory dropped"] += 1
                continue
            labels = {lab["message_index"]: lab for lab in (out or {}).get("labels", [])}
            if idx in labels and not labels[idx]["train"]:
                errors_caught[kind] += 1
                how["turn masked"] += 1
                later = sorted(i for i in labels if i > idx)
                if later:
                    corrections += 1
                    corrections_trainable += labels[later[0]]["train"]
            else:
                missed.append(f"{tid} message {idx} ({kind})")
        if not injected and not defects:
            clean += 1
            if out is not None:
                clean_kept += 1
                clean_turns += len(out["labels"])
                clean_masked += sum(1 for lab in out["labels"] if not lab["train"])
            else:
                info = dropped.get(tid, {}).get("meta", {}).get("filter", {}).get("dropped", {})
                lost_clean.update(info.get("rules", ["?"]))
    n_err = sum(errors_total.values())
    return {
        "trajectories": len(source),
        "injected_errors": n_err,
        "injected_errors_caught": sum(errors_caught.values()),
        "error_recall": sum(errors_caught.values()) / n_err if n_err else None,
        "error_recall_by_kind": {k: f"{errors_caught[k]}/{v}" for k, v in sorted(errors_total.items())},
        "caught_how": dict(how),
        "self_corrections_trainable": f"{corrections_trainable}/{corrections}",
        "trajectory_defects_caught": {
            k: f"{defects_caught[k]}/{v}" for k, v in sorted(defects_total.items())
        },
        "clean_trajectories": clean,
        "clean_kept": clean_kept,
        "clean_kept_share": clean_kept / clean if clean else None,
        "clean_turns_masked_share": clean_masked / clean_turns if clean_turns else None,
        "clean_dropped_by_rule": dict(lost_clean),
        "missed_examples": missed[:10],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--in", dest="in_dir", help="existing `toolmind synth` output (skip synthesis)")
    parser.add_argument("--synth-config", default="recipes/synth/default.yaml", help="synthesis recipe")
    parser.add_argument("--n", type=int, default=400, help="trajectories to synthesize per seed")
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=[0], help="synthesis seeds (runs are concatenated)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(args.in_dir) if args.in_dir else Path(tmp) / "synth"
        if not args.in_dir:
            src.mkdir(parents=True)
            with open(src / "trajectories.jsonl", "w") as merged:
                for seed in args.seeds:
                    run = Path(tmp) / f"synth-{seed}"
                    cmd = [sys.executable, "-m", "toolmind.cli", "synth", "--config", args.synth_config]
                    cmd += ["--out", str(run), "--limit", str(args.n), "--seed", str(seed)]
                    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    for line in (run / "trajectories.jsonl").read_text().splitlines():
                        rec = json.loads(line)
                        rec["id"] = f"s{seed}-{rec['id']}"
                        merged.write(json.dumps(rec) + "\n")
        out = Path(tmp) / "filtered"
        manifest = run_filter(src, out, FilterConfig())
        figures = score(
            _load(src / "trajectories.jsonl"), _load(out / "trajectories.jsonl"), _load(out / "dropped.jsonl")
        )
    figures["filter_seconds"] = manifest["timing"]["seconds"]
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for key, value in figures.items():
        if isinstance(value, float) and key.endswith(("recall", "share")):
            value = f"{value:.2%}"
        print(f"{key:>28}: {value}")
    recall, kept = figures["error_recall"] or 0.0, figures["clean_kept_share"] or 0.0
    print(
        f"goals: error recall >= 95% {'PASS' if recall >= 0.95 else 'FAIL'}; clean kept >= 90% {'PASS' if kept >= 0.90 else 'FAIL'}"
    )


if __name__ == "__main__":
    main()
