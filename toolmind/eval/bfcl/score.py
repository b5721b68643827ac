"""Score result files with the official BFCL scorer, after the safety gate.

For each category the result rows of the selected ids are sanitized (`validate.sanitize_result`) into a
fresh staging folder, then the official ``eval_runner`` scores the whole folder in one new process of the
scorer environment. Per-category figures are read back from the official score files (header line:
accuracy, correct and total counts; following lines: the failed entries), and entries whose output was
rejected as unsafe are counted wrong.
"""

from __future__ import annotations

import csv
import json
import logging
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolmind.eval.bfcl.data import VERSION_PREFIX, load_questions
from toolmind.eval.bfcl.results import (
    SCORER_MODEL,
    SCORER_MODEL_DIR,
    load_results,
    result_file,
    result_subdir,
)
from toolmind.eval.bfcl.scorer_env import run_worker
from toolmind.eval.bfcl.validate import Rejection, sanitize_result

logger = logging.getLogger(__name__)


# Written beside the official score files: category -> the ids counted wrong (`CategoryScore.failed_ids`).
COUNTED_WRONG = "counted_wrong.json"


@dataclass
class CategoryScore:
    """Official figures of one category (after unsafe outputs are counted wrong)."""

    correct: int
    total: int
    # Every entry counted wrong: the scorer's failures and the outputs rejected as unsafe that the
    # scorer would have passed once sanitized, so that `correct == total - len(failed_ids)`.
    failed_ids: list[str] = field(default_factory=list)
    rejected_ids: list[str] = field(default_factory=list)
    # The scorer's error_type of each failed entry ("type_error:simple", "...:missing_required"): what
    # kind of mistake a model makes, e.g. whether it imitates the mistakes a filter should have masked.
    error_types: dict[str, int] = field(default_factory=dict)
    # Failed entries of a category that expects calls, by what the answer held: no call at all (the model
    # declined or answered in text) or a <tool_call> block the handler could not decode. The first is
    # where the call/decline threshold shows; the scorer files both under "wrong_count".
    no_call: int = 0
    unparsed_call: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


@dataclass
class ScoreRun:
    """Everything one scoring pass produced."""

    scores: dict[str, CategoryScore]
    missing: dict[str, str]
    rejections: list[Rejection]
    official_overall: float | None
    seconds: float


def _score_path(score_dir: Path, category: str) -> Path:
    return score_dir / SCORER_MODEL_DIR / result_subdir(category) / f"{VERSION_PREFIX}_{category}_score.json"


def _answer_kind(record: dict[str, Any]) -> str | None:
    """ "no_call" or "unparsed_call" for a failed entry whose answer decoded to no call, else None.

    Only the single-turn checkers' records carry ``model_result_decoded`` (irrelevance records name it
    ``decoded_result``: there every failure is a call, and multi-turn records have neither).
    """
    if "model_result_decoded" not in record or record["model_result_decoded"]:
        return None
    return "unparsed_call" if "<tool_call>" in str(record.get("model_result_raw")) else "no_call"


def _read_score_file(path: Path) -> CategoryScore:
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    header = lines[0]
    failed = [r for r in lines[1:] if "id" in r]
    kinds = Counter(str(r.get("error_type") or "unknown") for r in failed)
    answers = Counter(_answer_kind(r) for r in failed)
    return CategoryScore(
        correct=int(header["correct_count"]),
        total=int(header["total_count"]),
        failed_ids=[str(r["id"]) for r in failed],
        error_types=dict(sorted(kinds.items())),
        no_call=answers["no_call"],
        unparsed_call=answers["unparsed_call"],
    )


def _official_overall(score_dir: Path) -> float | None:
    path = score_dir / "data_overall.csv"
    if not path.is_file():
        return None
    with path.open() as fh:
        for row in csv.DictReader(fh):
            value = row.get("Overall Acc", "")
            if value.endswith("%"):
                return float(value[:-1]) / 100
    return None


def stage_results(
    run_dir: Path, stage_dir: Path, selection: dict[str, list[str]]
) -> tuple[dict[str, str], list[Rejection]]:
    """Copy the selected, sanitized result rows into ``stage_dir`` (official layout).

    Returns:
        Categories that cannot be scored (-> reason) and every rejected unsafe call.
    """
    missing: dict[str, str] = {}
    rejections: list[Rejection] = []
    for category, ids in selection.items():
        rows = load_results(result_file(run_dir, category))
        absent = [i for i in ids if i not in rows]
        if absent:
            missing[category] = f"{len(absent)} of {len(ids)} entries not generated"
            continue
        entries = {e["id"]: e for e in load_questions(category)}
        staged: list[dict[str, Any]] = []
        for entry_id in ids:
            clean, bad = sanitize_result(rows[entry_id], entries[entry_id])
            staged.append(clean)
            rejections.extend(bad)
        out = result_file(stage_dir, category)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("".join(json.dumps(r) + "\n" for r in staged))
    return missing, rejections


def score_run(
    run_dir: Path, out: Path, selection: dict[str, list[str]], *, partial: bool, timeout: float = 1800
) -> ScoreRun:
    """Score the selected ids of each category with the official scorer in a fresh process.

    Args:
        run_dir: A model's result folder (`results.open_run_dir`).
        out: Evaluation output folder; ``out/score`` receives the official score files and
            ``out/.bfcl`` the staging area and the scorer's project root.
        selection: Category -> entry ids to score (all ids of the category, or a seeded sample).
        partial: True when `selection` samples categories (the scorer's ``partial_eval``).
        timeout: Seconds before the scorer process is killed.
    """
    start = time.perf_counter()
    work = out / ".bfcl"
    stage = work / "result"
    score_dir = out / "score"
    for path in (stage, score_dir):
        shutil.rmtree(path, ignore_errors=True)
    missing, rejections = stage_results(run_dir, stage, selection)
    ready = [c for c in selection if c not in missing]
    scores: dict[str, CategoryScore] = {}
    official_overall = None
    if ready:
        args = [
            str(stage.resolve()),
            str(score_dir.resolve()),
            SCORER_MODEL,
            ",".join(ready),
            "1" if partial else "0",
        ]
        run_worker("score.py", args, work / "root", timeout=timeout)
        official_overall = _official_overall(score_dir)
    rejected_by_cat: dict[str, set[str]] = {}
    for r in rejections:
        rejected_by_cat.setdefault(r.entry_id.rsplit("_", 1)[0], set()).add(r.entry_id)
    for category in ready:
        score = _read_score_file(_score_path(score_dir, category))
        score.rejected_ids = sorted(rejected_by_cat.get(category, set()))
        wrongly_passed = [i for i in score.rejected_ids if i not in score.failed_ids]
        if wrongly_passed:
            score.error_types = {**score.error_types, "rejected_unsafe": len(wrongly_passed)}
            score.correct -= len(wrongly_passed)
            score.failed_ids = sorted({*score.failed_ids, *wrongly_passed})
        scores[category] = score
    # The official files list only the scorer's failures; this one is what toolmind counted wrong, for
    # whoever pairs two runs entry by entry from the folder alone (benchmarks/bfcl_ceiling.py).
    if ready:
        (score_dir / COUNTED_WRONG).write_text(
            json.dumps({c: scores[c].failed_ids for c in ready}, indent=1) + "\n", encoding="utf-8"
        )
    if rejections:
        logger.warning("%d unsafe tool calls rejected before scoring (see report.json)", len(rejections))
    return ScoreRun(scores, missing, rejections, official_overall, time.perf_counter() - start)
