"""`datasets` export of the master rows: explicit features, Parquet files, `save_to_disk`, `push_to_hub`.

The features are declared, not inferred: tools, arguments and meta are JSON strings (REFERENCE §2), so no
struct-key unification across rows can render `"x": null` into training text, and an all-empty column still
has a type.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from toolmind.data.rows import to_trl_row
from toolmind.schema import Trajectory

log = logging.getLogger(__name__)


def features() -> Any:
    """The `datasets.Features` of a master row."""
    from datasets import Features, List, Value

    call = {
        "id": Value("string"),
        "type": Value("string"),
        "function": {"name": Value("string"), "arguments": Value("string")},
    }
    message = {
        "role": Value("string"),
        "content": Value("string"),
        "reasoning_content": Value("string"),
        "tool_calls": List(call),
        "tool_call_id": Value("string"),
        "name": Value("string"),
        "parse_error": Value("string"),
    }
    label = {"message_index": Value("int32"), "train": Value("bool"), "reasons": List(Value("string"))}
    return Features(
        {
            "id": Value("string"),
            "messages": List(message),
            "tools": Value("string"),
            "labels": List(label),
            "meta": Value("string"),
        }
    )


def _full_message(msg: dict[str, Any]) -> dict[str, Any]:
    keys = ("role", "content", "reasoning_content", "tool_calls", "tool_call_id", "name", "parse_error")
    return {k: msg.get(k) for k in keys}


def to_dataset(trajectories: list[Trajectory]) -> Any:
    """A `datasets.Dataset` of master rows with the declared features."""
    from datasets import Dataset

    rows = [to_trl_row(t) for t in trajectories]
    for row in rows:
        row["messages"] = [_full_message(m) for m in row["messages"]]
    return Dataset.from_list(rows, features=features())


def save_splits(splits: dict[str, list[Trajectory]], out: Path) -> dict[str, str]:
    """Write `data/<split>-00000-of-00001.parquet` and a `save_to_disk` copy under `hf/`; return paths."""
    from datasets import DatasetDict, disable_progress_bars

    disable_progress_bars()
    dd = DatasetDict({name: to_dataset(trajs) for name, trajs in splits.items()})
    paths = {}
    (out / "data").mkdir(parents=True, exist_ok=True)
    for name, ds in dd.items():
        path = out / "data" / f"{name}-00000-of-00001.parquet"
        ds.to_parquet(str(path))
        paths[name] = str(path.relative_to(out))
    dd.save_to_disk(str(out / "hf"))
    paths["save_to_disk"] = "hf"
    return paths


def push(out: Path, repo_id: str, private: bool = True) -> None:
    """Upload the Parquet splits and the dataset card to the Hub (needs `HF_TOKEN` or a login)."""
    from datasets import load_from_disk
    from huggingface_hub import HfApi

    dd = load_from_disk(str(out / "hf"))
    dd.push_to_hub(repo_id, private=private)
    HfApi().upload_file(
        path_or_fileobj=str(out / "README.md"), path_in_repo="README.md", repo_id=repo_id, repo_type="dataset"
    )
    log.info("pushed %s to the Hub as %s", out, repo_id)
