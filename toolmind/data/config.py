"""Configuration of `toolmind data build` (one dataclass; YAML recipes and CLI flags fill it)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


@dataclass
class BuildConfig:
    """Every knob of the dataset build."""

    dedup_exact: bool = field(
        default=True, metadata={"help": "drop trajectories whose normalised user goal repeats"}
    )
    dedup_near: bool = field(
        default=True, metadata={"help": "drop near-duplicate goals (MinHash LSH over word shingles)"}
    )
    near_threshold: float = field(
        default=0.85,
        metadata={"help": "estimated Jaccard similarity of goal shingles at which goals are duplicates"},
    )
    shingle_words: int = field(default=3, metadata={"help": "words per shingle for near-duplicate detection"})
    num_perm: int = field(
        default=128, metadata={"help": "MinHash permutations (more: finer similarity estimates)"}
    )
    decontaminate: bool = field(
        default=True,
        metadata={"help": "check user turns against BFCL-v4 and tau2-bench prompts (n-gram overlap)"},
    )
    decontam_ngram: int = field(
        default=10,
        metadata={"help": "words per n-gram; a trajectory sharing one with a benchmark prompt is a hit"},
    )
    decontam_min_words: int = field(
        default=6,
        metadata={
            "help": "benchmark prompts shorter than decontam_ngram but at least this long match as a whole"
        },
    )
    drop_contaminated: bool = field(
        default=True,
        metadata={"help": "drop trajectories with prompt hits (always reported in decontamination.json)"},
    )
    drop_tool_name_hits: bool = field(
        default=False,
        metadata={
            "help": "also drop trajectories using a tool named like a benchmark tool (reported either way)"
        },
    )
    bfcl_data_dir: str | None = field(
        default=None,
        metadata={"help": "BFCL-v4 data folder (default: the one of the installed bfcl-eval package)"},
    )
    tau_data_dir: str | None = field(
        default=None,
        metadata={"help": "tau2-bench data folder with <domain>/tasks.json (unset: tau2 not checked)"},
    )
    strip_stop_turn: bool = field(
        default=True,
        metadata={
            "help": "remove the user's closing ###STOP### turn: a signal to the synthesis loop, never trained on"
        },
    )
    validation_fraction: float = field(
        default=0.05,
        metadata={"help": "share of trajectories in the validation split (by a stable hash of the id)"},
    )
    seed: int = field(
        default=0, metadata={"help": "salt of the split hash (change it for a different split)"}
    )
    dataset_name: str = field(default="toolmind-data", metadata={"help": "name in the dataset card"})
    push_to_hub: str | None = field(
        default=None, metadata={"help": "Hub repo id to push to (needs HF credentials; never done offline)"}
    )

    def __post_init__(self) -> None:
        if not 0.0 <= self.validation_fraction < 1.0:
            raise ValueError(f"validation_fraction must be in [0, 1), got {self.validation_fraction}")
        if not 0.0 < self.near_threshold <= 1.0:
            raise ValueError(f"near_threshold must be in (0, 1], got {self.near_threshold}")

    @classmethod
    def from_yaml(cls, path: str | Path) -> BuildConfig:
        """Load a recipe; unknown keys are errors naming the file."""
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a mapping of BuildConfig fields")
        data = data.get("build", data)
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"{path}: unknown build config key(s) {unknown}; known: {sorted(names)}")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
