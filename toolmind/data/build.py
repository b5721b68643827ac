"""`toolmind data build`: filtered trajectories -> deduplicated, decontaminated, split HF dataset + card.

Output folder: `train.jsonl` / `validation.jsonl` (toolmind trajectories, the input of `toolmind data
export` and of training), `data/<split>-00000-of-00001.parquet`, `hf/` (`save_to_disk`), `README.md`
(dataset card), `decontamination.json` (every hit), `duplicates.json` and `manifest.json`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Any

from toolmind import __version__
from toolmind.data.card import composition, render_card
from toolmind.data.config import BuildConfig
from toolmind.data.decontam import benchmark_index, find_hits
from toolmind.data.dedup import deduplicate
from toolmind.data.hf import push, save_splits
from toolmind.schema import USER_STOP_TOKEN, Trajectory, read_jsonl, write_jsonl

log = logging.getLogger(__name__)


def _inputs(paths: list[str | Path]) -> list[Path]:
    out = []
    for p in map(Path, paths):
        f = p / "trajectories.jsonl" if p.is_dir() else p
        if not f.exists():
            raise FileNotFoundError(
                f"{f}: no trajectories file (expected DIR/trajectories.jsonl or a .jsonl file)"
            )
        out.append(f)
    return out


def split_of(traj_id: str, fraction: float, seed: int) -> str:
    """`validation` for a stable `fraction` of ids (hash-based: adding data never moves existing rows)."""
    h = int(hashlib.sha256(f"{seed}:{traj_id}".encode()).hexdigest()[:8], 16)
    return "validation" if h / 0xFFFFFFFF < fraction else "train"


def without_stop_turn(traj: Trajectory) -> Trajectory | None:
    """The trajectory without the user's closing `###STOP###` turn; None when it does not end with one.

    The marker tells the synthesis loop that the user is done; no assistant turn answers it, so training
    never sees it (tokenization stops at the last trainable turn), but a published dataset would carry a
    simulator's control string as if it were something a user says."""
    msgs = traj.messages
    if len(msgs) < 2 or msgs[-1].role != "user" or USER_STOP_TOKEN not in msgs[-1].content:
        return None
    return Trajectory(id=traj.id, tools=traj.tools, messages=msgs[:-1], labels=traj.labels, meta=traj.meta)


def build_dataset(inputs: list[str | Path], out_dir: str | Path, config: BuildConfig) -> dict[str, Any]:
    """Run the build; return (and write) the manifest."""
    start = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = _inputs(inputs)
    trajectories: list[Trajectory] = []
    filter_manifests = []
    seen_ids: set[str] = set()
    duplicate_ids = 0
    for f in files:
        for traj in read_jsonl(f, Trajectory, strict=True).records:
            if traj.id in seen_ids:
                duplicate_ids += 1
                continue
            seen_ids.add(traj.id)
            trajectories.append(traj)
        manifest_path = f.parent / "manifest.json"
        if manifest_path.exists():
            m = json.loads(manifest_path.read_text(encoding="utf-8"))
            if m.get("command") == "filter":
                filter_manifests.append(m)
    stats: dict[str, Any] = {
        "input_trajectories": len(trajectories) + duplicate_ids,
        "repeated_ids_dropped": duplicate_ids,
    }
    dd = deduplicate(trajectories, config)
    stats["exact_duplicate_goals_dropped"] = len(dd.exact)
    stats["near_duplicate_goals_dropped"] = len(dd.near)
    (out / "duplicates.json").write_text(
        json.dumps({"exact": dd.exact, "near": dd.near}, indent=1) + "\n", encoding="utf-8"
    )
    kept = dd.kept
    decontam: dict[str, Any] = {"checked": False}
    if config.decontaminate:
        index, loaded = benchmark_index(config)
        hits = find_hits(kept, index)
        prompt_hits = {k for k, v in hits.items() if "prompt" in v}
        tool_hits = {k for k, v in hits.items() if "tools" in v}
        drop = (prompt_hits if config.drop_contaminated else set()) | (
            tool_hits if config.drop_tool_name_hits else set()
        )
        kept = [t for t in kept if t.id not in drop]
        decontam = {"checked": True, "benchmarks": loaded, "ngram": config.decontam_ngram, "hits": hits}
        stats["decontamination_prompt_hits"] = len(prompt_hits)
        stats["decontamination_tool_name_hits"] = len(tool_hits)
        stats["decontamination_dropped"] = len(drop)
    (out / "decontamination.json").write_text(json.dumps(decontam, indent=1) + "\n", encoding="utf-8")
    if config.strip_stop_turn:
        stripped = [without_stop_turn(t) for t in kept]
        stats["stop_turns_removed"] = sum(1 for s in stripped if s is not None)
        kept = [s or t for s, t in zip(stripped, kept, strict=True)]
    splits: dict[str, list[Trajectory]] = {"train": [], "validation": []}
    for traj in kept:
        splits[split_of(traj.id, config.validation_fraction, config.seed)].append(traj)
    if not splits["validation"]:
        del splits["validation"]
    for name, trajs in splits.items():
        write_jsonl(out / f"{name}.jsonl", trajs)
    stats.update({f"{name}_trajectories": len(ts) for name, ts in splits.items()})
    files_written = save_splits(splits, out)
    card = render_card(config.dataset_name, splits, stats, config.to_dict(), filter_manifests)
    (out / "README.md").write_text(card, encoding="utf-8")
    manifest = {
        "command": "data build",
        "config": config.to_dict(),
        "versions": {"toolmind": __version__},
        "inputs": [{"path": str(f), "sha256": hashlib.sha256(f.read_bytes()).hexdigest()} for f in files],
        "stats": stats,
        "composition": composition(splits),
        "files": files_written,
        "seconds": round(time.perf_counter() - start, 2),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    if config.push_to_hub:
        push(out, config.push_to_hub)
    return manifest
