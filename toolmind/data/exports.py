"""`toolmind data export`: trajectories to TRL, ShareGPT/LLaMA-Factory or Axolotl files, masks kept.

Input: a folder with `train.jsonl` / `validation.jsonl` (from `toolmind data build`) or `trajectories.jsonl`
(from `toolmind filter`), or a single .jsonl file. Output: `<split>.jsonl` per split in the target format,
plus what the trainer needs to read it (`dataset_info.json` for LLaMA-Factory, `axolotl_dataset.yaml` for
Axolotl) and a `manifest.json` that lists anything the format could not carry.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from toolmind.data.rows import to_axolotl_row, to_trl_row
from toolmind.data.sharegpt import to_sharegpt_samples
from toolmind.schema import Trajectory, read_jsonl

log = logging.getLogger(__name__)

EXPORT_FORMATS = ("trl", "sharegpt", "axolotl")
SPLIT_FILES = ("train.jsonl", "validation.jsonl")


def input_splits(path: str | Path) -> dict[str, Path]:
    """Split name -> trajectories file for an input folder or file."""
    p = Path(path)
    if p.is_file():
        return {"train": p}
    splits = {name.removesuffix(".jsonl"): p / name for name in SPLIT_FILES if (p / name).exists()}
    if splits:
        return splits
    if (p / "trajectories.jsonl").exists():
        return {"train": p / "trajectories.jsonl"}
    raise FileNotFoundError(f"{p}: no train.jsonl/validation.jsonl or trajectories.jsonl to export")


def _rows(fmt: str, traj: Trajectory, notes: Counter[str]) -> list[dict[str, Any]]:
    if fmt == "trl":
        return [to_trl_row(traj)]
    if fmt == "axolotl":
        return [to_axolotl_row(traj)]
    return to_sharegpt_samples(traj, notes)


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    tmp.replace(path)


def _sidecars(fmt: str, out: Path, splits: list[str]) -> dict[str, str]:
    """Trainer config files that make the export loadable as-is."""
    if fmt == "sharegpt":
        info = {
            f"toolmind_{split}": {
                "file_name": f"{split}.jsonl",
                "formatting": "sharegpt",
                "columns": {"messages": "conversations", "system": "system", "tools": "tools"},
            }
            for split in splits
        }
        (out / "dataset_info.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        return {"dataset_info.json": "LLaMA-Factory dataset registry; train with mask_history: true"}
    if fmt == "axolotl":
        cfg = {
            "datasets": [
                {
                    "path": str(out / f"{split}.jsonl"),
                    "ds_type": "json",
                    "type": "chat_template",
                    "field_messages": "messages",
                    "field_tools": "tools",
                    "message_field_training": "train",
                    "split": "train",
                }
                for split in splits
                if split == "train"
            ]
        }
        (out / "axolotl_dataset.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
        return {
            "axolotl_dataset.yaml": "the `datasets:` block of an Axolotl config reading per-message train flags"
        }
    return {}


MASK_NOTES = {
    "trl": "per-turn masks carried in the `labels` column (toolmind.data.tokenize turns them into token masks)",
    "axolotl": "per-turn masks carried as per-message `train` flags (message_field_training: train)",
    "sharegpt": "LLaMA-Factory cannot carry per-turn masks: each conversation is split at every trainable "
    "assistant turn (one sample per trainable turn, loss on its last turn only with mask_history: true); "
    "masked turns appear only as history",
}


def export_dataset(in_path: str | Path, out_dir: str | Path, fmt: str) -> dict[str, Any]:
    """Convert every split; return (and write) the manifest with counts and format notes."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose from {list(EXPORT_FORMATS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, dict[str, int]] = {}
    notes: Counter[str] = Counter()
    for split, path in input_splits(in_path).items():
        result = read_jsonl(path, Trajectory, strict=True)
        rows = [row for traj in result.records for row in _rows(fmt, traj, notes)]
        _write_jsonl(out / f"{split}.jsonl", rows)
        counts[split] = {"trajectories": len(result.records), "rows": len(rows)}
        log.info("%s: %d trajectories -> %d %s rows", split, len(result.records), len(rows), fmt)
    sidecars = _sidecars(fmt, out, list(counts))
    manifest = {
        "command": "data export",
        "format": fmt,
        "input": str(in_path),
        "splits": counts,
        "masks": MASK_NOTES[fmt],
        "not_carried": dict(notes),
        "sidecars": sidecars,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest
