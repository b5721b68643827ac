"""Training data for SFT: toolmind trajectories (JSONL or `save_to_disk`) → a tokenized `datasets.Dataset`.

Accepted paths (several are concatenated, in order):

- a JSONL file of `toolmind.schema.Trajectory` records;
- a directory of such files: its `<split>.jsonl` when there is one (`train.jsonl` / `validation.jsonl`,
  the layout of `toolmind data build`), else every `*.jsonl` directly inside, sorted by name;
- a directory written by `datasets.Dataset.save_to_disk` (or a `DatasetDict`, whose `train` split is
  used) with trajectory columns (`messages`, `tools`, `labels`, `id`, `meta`; nested fields may be JSON
  strings, the Arrow-safe form), or with already tokenized `input_ids` + `labels` columns.

`split` picks `train.jsonl` / the `train` split for training and `validation` for evaluation.

`order="id_hash"` sorts the samples by a seeded hash of what they are (trajectory id and the trainable
turns the sample was cut for, labelled or masked by `result_replies`; file and row for pre-tokenized
rows) instead of leaving the order to the trainer's shuffle. Two samples then come in the same
relative order in every dataset that holds both: an ablation row that drops a few trajectories trains
on the same conversations in the same order as the row that keeps them, so a fixed step budget
compares filters, not shuffles.

`order="balanced"` is `id_hash` within strata, the strata interleaved so that every prefix of the order
holds each in its share of the whole. A sample's stratum is its pair of labelled turn counts: assistant
turns that answer a user without a call (declines, questions back, direct answers) and turns that call
(four or more counted as four). A run that stops before the end of the data (the demo trains 150 steps
on ~440 conversations) then sees the data's mix of calling and not calling rather than a draw from it
(on the demo's data the draw ranged 0.29-0.36 no-call turns per call over five runs).

Bad records are reported with file, line (or row) and field, and skipped with a count.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from toolmind.data.tokenize import IGNORE_INDEX, TokenizeConfig, TokenizeStats, iter_samples
from toolmind.schema import RecordError, Trajectory, iter_jsonl

logger = logging.getLogger(__name__)

SAMPLE_ORDERS = ("shuffle", "id_hash", "balanced")
SAVE_TO_DISK_MARKERS = ("dataset_info.json", "dataset_dict.json", "state.json")
JSON_COLUMNS = ("messages", "tools", "labels", "meta")


@dataclass
class LoadReport:
    """What loading found: tokenization counts plus bad records (first few kept verbatim)."""

    stats: TokenizeStats = field(default_factory=TokenizeStats)
    bad_records: int = 0
    bad_examples: list[str] = field(default_factory=list)
    pretokenized_rows: int = 0

    def bad(self, error: RecordError | str) -> None:
        self.bad_records += 1
        if len(self.bad_examples) < 20:
            self.bad_examples.append(str(error))

    def summary(self) -> str:
        text = self.stats.summary()
        if self.pretokenized_rows:
            text += f"; {self.pretokenized_rows} pre-tokenized rows"
        if self.bad_records:
            text += f"; {self.bad_records} bad record(s) skipped, e.g.: " + " | ".join(self.bad_examples[:3])
        return text


def _is_saved_dataset(path: Path) -> bool:
    return path.is_dir() and any((path / marker).exists() for marker in SAVE_TO_DISK_MARKERS)


def _load_saved(path: Path, split: str) -> Any:
    from datasets import DatasetDict, load_from_disk

    loaded = load_from_disk(str(path))
    if isinstance(loaded, DatasetDict):
        if split not in loaded:
            raise ValueError(f"{path}: a DatasetDict without a {split!r} split (splits: {list(loaded)})")
        return loaded[split]
    return loaded


def _jsonl_files(path: Path, split: str) -> list[Path]:
    if not path.is_dir():
        return [path]
    if (path / f"{split}.jsonl").is_file():
        return [path / f"{split}.jsonl"]
    return sorted(path.glob("*.jsonl"))


def _row_to_trajectory(row: dict[str, Any], where: str) -> Trajectory:
    data = {k: v for k, v in row.items() if v is not None}
    for column in JSON_COLUMNS:
        if isinstance(data.get(column), str):
            try:
                data[column] = json.loads(data[column])
            except json.JSONDecodeError as exc:
                raise ValueError(f"{where}: column {column!r} is not valid JSON ({exc.msg})") from exc
    data.setdefault("id", where)
    return Trajectory.model_validate(data)


def iter_trajectories(paths: Sequence[str], report: LoadReport, split: str = "train") -> Iterator[Trajectory]:
    """Yield every valid trajectory under `paths`; bad records go to `report`."""
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise FileNotFoundError(f"dataset path {path} does not exist")
        if _is_saved_dataset(path):
            dataset = _load_saved(path, split)
            if "input_ids" in dataset.column_names:
                continue  # pre-tokenized: handled by `load_pretokenized`
            for index, row in enumerate(dataset):
                where = f"{path}#row{index}"
                try:
                    yield _row_to_trajectory(row, where)
                except (ValidationError, ValueError) as exc:
                    report.bad(f"{where}: {exc}".splitlines()[0])
            continue
        files = _jsonl_files(path, split)
        if not files:
            raise FileNotFoundError(f"{path} holds no *.jsonl files and is not a saved dataset")
        for file in files:
            for item in iter_jsonl(file, Trajectory):
                if isinstance(item, RecordError):
                    report.bad(item)
                else:
                    yield item


def order_key(seed: int, identity: str) -> str:
    """The sort key of a sample under `order="id_hash"`: independent of every other sample."""
    return hashlib.sha256(f"{seed}:{identity}".encode()).hexdigest()


def no_call_turns(trajectory: Trajectory) -> set[int]:
    """Indices of the assistant turns that answer a user message without a tool call."""
    msgs = trajectory.messages
    return {
        i
        for i in range(1, len(msgs))
        if msgs[i].role == "assistant" and not msgs[i].tool_calls and msgs[i - 1].role == "user"
    }


def interleave_strata(strata: Sequence[Hashable]) -> list[int]:
    """Positions of `strata` reordered so that every prefix holds each stratum in its overall share.

    Within a stratum the input order is kept. At each step the stratum furthest behind its share goes
    next (ties: the one whose next member comes first), so after k samples each stratum s has within one
    of k * n_s / n.
    """
    members: dict[Hashable, list[int]] = {}
    for position, stratum in enumerate(strata):
        members.setdefault(stratum, []).append(position)
    n = len(strata)
    taken = dict.fromkeys(members, 0)
    out: list[int] = []
    for step in range(1, n + 1):
        # Deficits in units of 1/n, as integers: no float ties. An exhausted stratum is never furthest
        # behind (the deficits of one step sum to n > 0 and its own is <= 0).
        stratum = max(
            (s for s in members if taken[s] < len(members[s])),
            key=lambda s: (len(members[s]) * step - taken[s] * n, -members[s][taken[s]]),
        )
        out.append(members[stratum][taken[stratum]])
        taken[stratum] += 1
    return out


def load_pretokenized(
    paths: Sequence[str], report: LoadReport, max_length: int | None = None, split: str = "train"
) -> list[dict[str, Any]]:
    """Rows of saved datasets that already have `input_ids` + `labels` (checked, not re-tokenized).

    Each row also names where it came from (`identity`: path and row), for `order="id_hash"`.
    """
    rows: list[dict[str, Any]] = []
    for raw in paths:
        path = Path(raw)
        if not _is_saved_dataset(path):
            continue
        dataset = _load_saved(path, split)
        if "input_ids" not in dataset.column_names:
            continue
        if "labels" not in dataset.column_names:
            raise ValueError(f"{path}: has input_ids but no labels column; cannot tell what to train on")
        for index, row in enumerate(dataset.select_columns(["input_ids", "labels"])):
            if len(row["input_ids"]) != len(row["labels"]):
                report.bad(f"{path}#row{index}: input_ids and labels differ in length")
            elif all(label == IGNORE_INDEX for label in row["labels"]):
                report.stats.skipped_no_trainable += 1
                report.stats.skip("no_trainable_turn", f"{path}#row{index}")
            elif max_length is not None and len(row["input_ids"]) > max_length:
                report.stats.skipped_overlong += 1
                report.stats.skip("over_max_length", f"{path}#row{index}")
            else:
                identity = f"{path}#row{index}"
                rows.append({"input_ids": row["input_ids"], "labels": row["labels"], "identity": identity})
    report.pretokenized_rows = len(rows)
    return rows


def build_sft_dataset(
    paths: Sequence[str],
    tokenizer: Any,
    config: TokenizeConfig,
    split: str = "train",
    order: str = "shuffle",
) -> tuple[Any, LoadReport]:
    """A `datasets.Dataset` with `input_ids` and `labels` for SFTTrainer, plus the load report.

    `order`: "shuffle" keeps the load order (the trainer shuffles); "id_hash" sorts by `order_key` with
    `config.seed`; "balanced" interleaves the `id_hash` order by the samples' numbers of labelled no-call
    and call turns (`interleave_strata`). The trainer must read the last two sequentially:
    `toolmind.train.sft` sets that.

    Raises:
        ValueError: nothing trainable was found, or `order` is unknown.
    """
    from datasets import Dataset

    if order not in SAMPLE_ORDERS:
        raise ValueError(f"order must be one of {list(SAMPLE_ORDERS)}, got {order!r}")
    report = LoadReport()
    rows = load_pretokenized(paths, report, config.max_length, split)  # one stratum: no turns to read
    kinds: dict[str, tuple[set[int], set[int]]] = {}  # trajectory id -> (no-call turns, call turns)

    def trajectories() -> Iterator[Trajectory]:
        for trajectory in iter_trajectories(paths, report, split):
            calls = {i for i, m in enumerate(trajectory.messages) if m.role == "assistant" and m.tool_calls}
            kinds[trajectory.id] = (no_call_turns(trajectory), calls)
            yield trajectory

    for sample in iter_samples(trajectories(), tokenizer, config, report.stats):
        # The turns tell apart the per_turn samples of one conversation; `source_turns`, not the labelled
        # turns, so that unlabelling replies (`result_replies`) keeps the order of what is left.
        identity = f"{sample.trajectory_id}#{','.join(map(str, sample.source_turns))}"
        no_call, calls = kinds.get(sample.trajectory_id, (set(), set()))
        turns = set(sample.turns)
        stratum = (len(no_call & turns), min(len(calls & turns), 4))
        rows.append(
            {"input_ids": sample.input_ids, "labels": sample.labels, "identity": identity, "stratum": stratum}
        )
    for example in report.bad_examples:
        logger.warning("bad record skipped: %s", example)
    logger.info("training data from %s: %s", list(paths), report.summary())
    if not rows:
        raise ValueError(f"no trainable samples in {list(paths)}: {report.summary()}")
    if order in ("id_hash", "balanced"):
        rows.sort(key=lambda row: order_key(config.seed, row["identity"]))
    if order == "balanced":
        strata = [row.get("stratum", (0, 0)) for row in rows]
        rows = [rows[i] for i in interleave_strata(strata)]
        logger.info(
            "balanced order: samples by (no-call turns, call turns): %s",
            ", ".join(f"{k}: {v}" for k, v in sorted(Counter(strata).items())),
        )
    # Only the tensors go to the trainer (the collator would choke on a string column).
    return Dataset.from_list([{"input_ids": r["input_ids"], "labels": r["labels"]} for r in rows]), report
