"""BFCL-v4 benchmark data, read from the installed `bfcl-eval` wheel without importing it.

The main environment installs `bfcl-eval` data-only (its pins clash with our stack), so this module locates
the package's `data/` folder through `importlib.metadata` and reads the JSON-lines files itself. The
category names, sizes and leaderboard weights are the official ones of bfcl-eval 2026.3.23.
"""

from __future__ import annotations

import copy
import functools
import importlib.metadata
import json
import random
from pathlib import Path
from typing import Any

VERSION_PREFIX = "BFCL_v4"

NON_LIVE_CATEGORIES: tuple[str, ...] = (
    "simple_python",
    "simple_java",
    "simple_javascript",
    "multiple",
    "parallel",
    "parallel_multiple",
    "irrelevance",
)
LIVE_CATEGORIES: tuple[str, ...] = (
    "live_simple",
    "live_multiple",
    "live_parallel",
    "live_parallel_multiple",
    "live_irrelevance",
    "live_relevance",
)
MULTI_TURN_CATEGORIES: tuple[str, ...] = (
    "multi_turn_base",
    "multi_turn_miss_func",
    "multi_turn_miss_param",
    "multi_turn_long_context",
)
WEB_SEARCH_CATEGORIES: tuple[str, ...] = ("web_search_base", "web_search_no_snippet")
MEMORY_CATEGORIES: tuple[str, ...] = ("memory_kv", "memory_vector", "memory_rec_sum")
MEMORY_SCENARIOS: tuple[str, ...] = ("student", "customer", "finance", "healthcare", "notetaker")
SINGLE_TURN_CATEGORIES: tuple[str, ...] = NON_LIVE_CATEGORIES + LIVE_CATEGORIES
AGENTIC_CATEGORIES: tuple[str, ...] = MEMORY_CATEGORIES + WEB_SEARCH_CATEGORIES
ALL_CATEGORIES: tuple[str, ...] = SINGLE_TURN_CATEGORIES + MULTI_TURN_CATEGORIES + AGENTIC_CATEGORIES

#: Official scored sizes (REFERENCE §4); `load_questions` is checked against them in the tests.
CATEGORY_SIZES: dict[str, int] = {
    "simple_python": 400,
    "simple_java": 100,
    "simple_javascript": 50,
    "multiple": 200,
    "parallel": 200,
    "parallel_multiple": 200,
    "irrelevance": 240,
    "live_simple": 258,
    "live_multiple": 1053,
    "live_parallel": 16,
    "live_parallel_multiple": 24,
    "live_irrelevance": 884,
    "live_relevance": 16,
    "multi_turn_base": 200,
    "multi_turn_miss_func": 200,
    "multi_turn_miss_param": 200,
    "multi_turn_long_context": 200,
    "web_search_base": 100,
    "web_search_no_snippet": 100,
    "memory_kv": 155,
    "memory_vector": 155,
    "memory_rec_sum": 155,
}

#: Leaderboard overall = weighted mean of these five groups (bfcl_eval eval_runner_helper).
GROUP_WEIGHTS: dict[str, float] = {
    "non_live": 0.10,
    "live": 0.10,
    "irrelevance": 0.10,
    "multi_turn": 0.30,
    "agentic": 0.40,
}

#: Named collections accepted wherever a category list is (`--categories`).
CATEGORY_COLLECTIONS: dict[str, tuple[str, ...]] = {
    "all": ALL_CATEGORIES,
    "non_live": NON_LIVE_CATEGORIES,
    "live": LIVE_CATEGORIES,
    "multi_turn": MULTI_TURN_CATEGORIES,
    "single_turn": SINGLE_TURN_CATEGORIES,
    "web_search": WEB_SEARCH_CATEGORIES,
    "memory": MEMORY_CATEGORIES,
    "agentic": AGENTIC_CATEGORIES,
}

#: Simulated backend class -> function-doc file (multi-turn and agentic entries carry no inline docs).
FUNC_DOC_FILES: dict[str, str] = {
    "GorillaFileSystem": "gorilla_file_system.json",
    "MathAPI": "math_api.json",
    "MessageAPI": "message_api.json",
    "TwitterAPI": "posting_api.json",
    "TicketAPI": "ticket_api.json",
    "TradingBot": "trading_bot.json",
    "TravelAPI": "travel_booking.json",
    "VehicleControlAPI": "vehicle_control.json",
    "WebSearchAPI": "web_search.json",
    "MemoryAPI_kv": "memory_kv.json",
    "MemoryAPI_vector": "memory_vector.json",
    "MemoryAPI_rec_sum": "memory_rec_sum.json",
}


class BFCLDataError(RuntimeError):
    """The bfcl-eval data is missing or not what this harness expects."""


def bfcl_data_dir() -> Path:
    """Return the `bfcl_eval/data` folder of the installed `bfcl-eval` distribution.

    Raises:
        BFCLDataError: If `bfcl-eval` is not installed (run `make install`).
    """
    try:
        dist = importlib.metadata.distribution("bfcl-eval")
    except importlib.metadata.PackageNotFoundError as exc:
        raise BFCLDataError("bfcl-eval is not installed in this environment: run `make install`") from exc
    path = Path(str(dist.locate_file("bfcl_eval/data")))
    if not (path / f"{VERSION_PREFIX}_simple_python.json").is_file():
        raise BFCLDataError(f"bfcl-eval data folder {path} lacks {VERSION_PREFIX}_simple_python.json")
    return path


def bfcl_version() -> str:
    """Return the installed `bfcl-eval` version (recorded in every report)."""
    return importlib.metadata.version("bfcl-eval")


def resolve_categories(names: str | list[str] | tuple[str, ...]) -> list[str]:
    """Expand a comma-separated string or list of categories/collections into official category names.

    Args:
        names: e.g. ``"simple_python,multiple"``, ``"all"`` or ``["live", "irrelevance"]``.

    Returns:
        The categories in the official order, without duplicates.

    Raises:
        ValueError: On an unknown name (the message lists the valid ones).
    """
    items = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
    chosen: set[str] = set()
    for name in filter(None, items):
        if name in CATEGORY_COLLECTIONS:
            chosen.update(CATEGORY_COLLECTIONS[name])
        elif name in CATEGORY_SIZES:
            chosen.add(name)
        else:
            valid = ", ".join([*CATEGORY_COLLECTIONS, *ALL_CATEGORIES])
            raise ValueError(f"unknown BFCL category {name!r}; valid: {valid}")
    return [c for c in ALL_CATEGORIES if c in chosen]


def category_group(category: str) -> str:
    """Return the result-file folder of a category (`non_live`, `live`, `multi_turn` or `agentic`)."""
    if category in NON_LIVE_CATEGORIES:
        return "non_live"
    if category in LIVE_CATEGORIES:
        return "live"
    if category in MULTI_TURN_CATEGORIES:
        return "multi_turn"
    if category in AGENTIC_CATEGORIES:
        return "agentic"
    raise ValueError(f"unknown BFCL category {category!r}")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise BFCLDataError(f"{path}:{lineno}: invalid JSON: {exc}") from exc
    return rows


@functools.lru_cache(maxsize=64)
def _cached_jsonl(path: Path) -> tuple[dict[str, Any], ...]:
    return tuple(_read_jsonl(path))


def _load(path: Path) -> list[dict[str, Any]]:
    return copy.deepcopy(list(_cached_jsonl(path)))


def _source_file(category: str) -> str:
    if category in WEB_SEARCH_CATEGORIES:
        return "web_search"
    if category in MEMORY_CATEGORIES:
        return "memory"
    if category not in CATEGORY_SIZES:
        raise ValueError(f"unknown BFCL category {category!r}")
    return category


def _attach_function_docs(entry: dict[str, Any]) -> None:
    """Give multi-turn/agentic entries their function docs; move held-out (miss_func) docs aside."""
    docs: list[dict[str, Any]] = []
    for cls in entry["involved_classes"]:
        docs.extend(_load(bfcl_data_dir() / "multi_turn_func_doc" / FUNC_DOC_FILES[cls]))
    entry["function"] = docs
    if "missed_function" in entry:
        held: dict[str, list[dict[str, Any]]] = {}
        for turn, names in entry["missed_function"].items():
            held[turn] = [d for d in docs if d["name"] in names]
            docs[:] = [d for d in docs if d["name"] not in names]
        entry["missed_function"] = held


def load_questions(category: str) -> list[dict[str, Any]]:
    """Load the scored entries of one category as the official loader does (ids, function docs).

    Web-search and memory entries get their variant ids (``web_search_base_0``, ``memory_kv_0-customer-0``)
    and backend class; multi-turn and agentic entries get their function docs from the simulated backends'
    doc files, with miss_func's held-out docs moved to ``missed_function``. Memory pre-requisite
    conversations are not included (see `load_memory_prereqs`). No language hint is added here: that is
    part of the prompt (`toolmind.eval.bfcl.prompt`).

    Args:
        category: An official category name (see `ALL_CATEGORIES`).

    Returns:
        Fresh (deep-copied) entries, in file order.
    """
    source = _source_file(category)
    entries = _load(bfcl_data_dir() / f"{VERSION_PREFIX}_{source}.json")
    for entry in entries:
        if category in WEB_SEARCH_CATEGORIES:
            entry["id"] = entry["id"].replace("web_search", category, 1)
        elif category in MEMORY_CATEGORIES:
            entry["id"] = entry["id"].replace("memory", category, 1)
            entry["involved_classes"] = [f"MemoryAPI_{category.removeprefix('memory_')}"]
        if "involved_classes" in entry:
            _attach_function_docs(entry)
    return entries


def load_memory_prereqs(category: str) -> list[dict[str, Any]]:
    """Load the memory pre-requisite conversations (written to memory before the scored questions).

    Ids look like ``memory_kv_prereq_22-student-0``; within a scenario they run in file order, each
    continuing from the memory snapshot the previous one left.
    """
    if category not in MEMORY_CATEGORIES:
        raise ValueError(f"{category!r} is not a memory category")
    out: list[dict[str, Any]] = []
    for scenario in MEMORY_SCENARIOS:
        for entry in _load(bfcl_data_dir() / "memory_prereq_conversation" / f"memory_{scenario}.json"):
            entry["id"] = entry["id"].replace("memory", category, 1)
            entry["involved_classes"] = [f"MemoryAPI_{category.removeprefix('memory_')}"]
            _attach_function_docs(entry)
            out.append(entry)
    return out


def load_answers(category: str) -> list[dict[str, Any]]:
    """Load the official possible answers of a category (empty list for irrelevance/relevance).

    Ids are those of `load_questions` (variant-prefixed for web search and memory).
    """
    source = _source_file(category)
    path = bfcl_data_dir() / "possible_answer" / f"{VERSION_PREFIX}_{source}.json"
    if not path.is_file():
        return []
    answers = _load(path)
    if category in WEB_SEARCH_CATEGORIES:
        for a in answers:
            a["id"] = a["id"].replace("web_search", category, 1)
    elif category in MEMORY_CATEGORIES:
        for a in answers:
            a["id"] = a["id"].replace("memory", category, 1)
    return answers


def sample_ids(category: str, n: int | None, seed: int) -> list[str]:
    """Return a seeded sample of `n` entry ids of a category (all ids when `n` is None or too large).

    The sample depends only on (category, n, seed), so every model sees the same questions.
    """
    ids = [e["id"] for e in load_questions(category)]
    if n is None or n >= len(ids):
        return ids
    rng = random.Random(f"{category}:{seed}")
    keep = set(rng.sample(ids, n))
    return [i for i in ids if i in keep]
