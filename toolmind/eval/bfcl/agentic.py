"""Agentic categories: memory (pre-requisite conversations, then questions) and web search.

Memory follows the official order: for each scenario the pre-requisite conversations run first, in file
order, each starting from the memory snapshot the previous one flushed (the official backends write
the snapshots under ``<result dir>/<scorer model>/agentic/memory/<kind>/memory_snapshot``); then each
question starts from the scenario's final snapshot with the official memory instruction. Pre-requisite
rows go to ``BFCL_v4_memory_<kind>_prereq_result.json`` (never scored, as upstream). A scenario's
pre-requisites rerun only when its rows or its final snapshot are missing. Web search runs through the
same loop with the official ``WebSearchAPI`` backend (live network and ``SERPAPI_API_KEY`` needed).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from toolmind.eval.bfcl.data import MEMORY_SCENARIOS, load_memory_prereqs
from toolmind.eval.bfcl.generators import Generator
from toolmind.eval.bfcl.multiturn import BackendExecutor, run_conversations
from toolmind.eval.bfcl.prompt import prepare_entry
from toolmind.eval.bfcl.results import (
    SCORER_MODEL_DIR,
    append_results,
    load_results,
    result_file,
    result_subdir,
)

logger = logging.getLogger(__name__)


def _memory_config(entry: dict[str, Any], category: str, run_dir: Path) -> dict[str, Any]:
    return {
        entry["involved_classes"][0]: {
            "model_result_dir": str((run_dir / SCORER_MODEL_DIR).resolve()),
            "scenario": entry["scenario"],
            "test_id": entry["id"],
            "test_category": category,
        }
    }


def snapshot_file(run_dir: Path, category: str, scenario: str) -> Path:
    """The final memory snapshot a scenario's pre-requisites leave (official location)."""
    return run_dir / SCORER_MODEL_DIR / result_subdir(category) / "memory_snapshot" / f"{scenario}_final.json"


def run_memory_prereqs(
    category: str,
    scenarios: set[str],
    run_dir: Path,
    gen: Generator,
    executor: BackendExecutor,
    *,
    thinking: bool,
) -> None:
    """Play the pre-requisite conversations of the scenarios whose memory snapshot is not complete."""
    path = result_file(run_dir, f"{category}_prereq")
    done = load_results(path)
    chains: dict[str, list[dict[str, Any]]] = {s: [] for s in MEMORY_SCENARIOS}
    for entry in load_memory_prereqs(category):
        entry["initial_config"] = _memory_config(entry, f"{category}_prereq", run_dir)
        chains[entry["scenario"]].append(prepare_entry(entry))  # Python hint; no answer-format prompt
    todo = {
        s: chains[s]
        for s in sorted(scenarios)
        if not snapshot_file(run_dir, category, s).is_file() or any(e["id"] not in done for e in chains[s])
    }
    depth = max((len(c) for c in todo.values()), default=0)
    for k in range(depth):  # k-th conversation of every scenario together: one batch per step
        batch = [chain[k] for chain in todo.values() if k < len(chain)]
        append_results(path, run_conversations(batch, gen, executor, thinking=thinking))
        logger.info("%s pre-requisites: round %d/%d", category, k + 1, depth)


def generate_agentic(
    category: str,
    entries: list[dict[str, Any]],
    run_dir: Path,
    gen: Generator,
    work: Path,
    *,
    thinking: bool,
    batch_size: int,
) -> None:
    """Generate web-search or memory entries (raw `load_questions` entries) into the category's result file."""
    path = result_file(run_dir, category)
    with BackendExecutor(work / "executor") as executor:
        if category.startswith("memory_"):
            run_memory_prereqs(
                category, {e["scenario"] for e in entries}, run_dir, gen, executor, thinking=thinking
            )
            for e in entries:
                e["initial_config"] = _memory_config(e, category, run_dir)
        else:
            for e in entries:
                e["initial_config"] = {
                    e["involved_classes"][0]: {"show_snippet": "no_snippet" not in e["id"]}
                }
        prepared = [prepare_entry(e) for e in entries]
        for i in range(0, len(prepared), batch_size):
            append_results(
                path, run_conversations(prepared[i : i + batch_size], gen, executor, thinking=thinking)
            )
            logger.info("%s: %d/%d", category, min(i + batch_size, len(prepared)), len(prepared))
