"""Decontamination against the evaluation benchmarks: BFCL-v4 and tau2-bench prompts and tool names.

A trajectory is a *prompt hit* when one of its user or system turns shares a word n-gram with a
benchmark prompt (a whole benchmark prompt, when it is shorter than n words), and a *tool-name hit* when it
offers a tool named like a benchmark tool. Every hit is reported with the benchmark item it matches.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolmind.data.config import BuildConfig
from toolmind.data.dedup import words
from toolmind.schema import Trajectory

log = logging.getLogger(__name__)


@dataclass
class BenchmarkText:
    """Prompts (source id, text) and tool names (name -> source id) of one benchmark."""

    name: str
    prompts: list[tuple[str, str]] = field(default_factory=list)
    tools: dict[str, str] = field(default_factory=dict)


def _bfcl_entries(data_dir: Path | None) -> Iterator[dict[str, Any]]:
    if data_dir is None:
        # The BFCL loader of toolmind.eval.bfcl: official ids and function docs attached.
        from toolmind.eval.bfcl.data import load_questions, resolve_categories

        for category in resolve_categories("all"):
            yield from load_questions(category)
        return
    for path in sorted(data_dir.glob("BFCL_v4_*.json")):
        with open(path, encoding="utf-8") as fh:
            yield from (json.loads(line) for line in fh if line.strip())


def load_bfcl(data_dir: str | None = None) -> BenchmarkText:
    """BFCL-v4 user prompts and function names (installed bfcl-eval data, or a data folder)."""
    bench = BenchmarkText("bfcl_v4")
    for entry in _bfcl_entries(Path(data_dir) if data_dir else None):
        eid = str(entry.get("id", "?"))
        for turn in entry.get("question", []):
            for msg in turn if isinstance(turn, list) else [turn]:
                if isinstance(msg, dict) and msg.get("role") == "user" and msg.get("content"):
                    bench.prompts.append((eid, str(msg["content"])))
        for fn in entry.get("function", []) or []:
            if isinstance(fn, dict) and fn.get("name"):
                bench.tools.setdefault(str(fn["name"]), eid)
    return bench


def load_tau2(data_dir: str) -> BenchmarkText:
    """tau2-bench user scenarios and the tool names of gold actions, from <domain>/tasks.json files."""
    bench = BenchmarkText("tau2_bench")
    root = Path(data_dir)
    files = sorted(root.glob("*/tasks.json"))
    if not files:
        raise FileNotFoundError(f"{root}: no <domain>/tasks.json (is this the tau2 data folder?)")
    for path in files:
        domain = path.parent.name
        for task in json.loads(path.read_text(encoding="utf-8")):
            tid = f"{domain}/{task.get('id')}"
            instructions = ((task.get("user_scenario") or {}).get("instructions")) or {}
            if isinstance(instructions, str):
                instructions = {"task_instructions": instructions}
            for key in ("reason_for_call", "task_instructions", "known_info", "unknown_info"):
                if instructions.get(key):
                    bench.prompts.append((tid, str(instructions[key])))
            for action in (task.get("evaluation_criteria") or {}).get("actions") or []:
                if action.get("name"):
                    bench.tools.setdefault(str(action["name"]), tid)
    return bench


class NgramIndex:
    """Word n-grams of benchmark prompts -> the item they come from."""

    def __init__(self, benches: list[BenchmarkText], n: int, min_words: int) -> None:
        self.n = n
        self.grams: dict[str, tuple[str, str]] = {}
        self.short: dict[int, dict[str, tuple[str, str]]] = {}
        self.tools: dict[str, tuple[str, str]] = {}
        for bench in benches:
            for sid, text in bench.prompts:
                toks = words(text)
                if len(toks) >= n:
                    for i in range(len(toks) - n + 1):
                        self.grams.setdefault(" ".join(toks[i : i + n]), (bench.name, sid))
                elif len(toks) >= min_words:
                    self.short.setdefault(len(toks), {}).setdefault(" ".join(toks), (bench.name, sid))
            for name, sid in bench.tools.items():
                self.tools.setdefault(name.lower(), (bench.name, sid))

    def prompt_hit(self, text: str) -> tuple[str, str, str] | None:
        """(benchmark, item id, matched words) of the first overlap, else None."""
        toks = words(text)
        for size, table in [(self.n, self.grams), *self.short.items()]:
            for i in range(len(toks) - size + 1):
                gram = " ".join(toks[i : i + size])
                if gram in table:
                    return (*table[gram], gram)
        return None


def find_hits(trajectories: list[Trajectory], index: NgramIndex) -> dict[str, dict[str, Any]]:
    """Per contaminated trajectory id: its prompt hit and its tool-name hits."""
    hits: dict[str, dict[str, Any]] = {}
    for traj in trajectories:
        entry: dict[str, Any] = {}
        for msg in traj.messages:
            if msg.role in ("user", "system"):
                hit = index.prompt_hit(msg.content)
                if hit:
                    entry["prompt"] = {"benchmark": hit[0], "item": hit[1], "ngram": hit[2]}
                    break
        tools = [
            {
                "tool": t.name,
                "benchmark": index.tools[t.name.lower()][0],
                "item": index.tools[t.name.lower()][1],
            }
            for t in traj.tools
            if t.name.lower() in index.tools
        ]
        if tools:
            entry["tools"] = tools
        if entry:
            hits[traj.id] = entry
    return hits


def benchmark_index(config: BuildConfig) -> tuple[NgramIndex, list[str]]:
    """The index over every available benchmark and the names of those loaded."""
    try:
        benches = [load_bfcl(config.bfcl_data_dir)]
    except (RuntimeError, OSError) as exc:
        raise ValueError(
            f"cannot load the BFCL-v4 data for decontamination ({exc}); install bfcl-eval, pass "
            "--bfcl-data-dir, or skip the check with --no-decontaminate"
        ) from exc
    if config.tau_data_dir:
        benches.append(load_tau2(config.tau_data_dir))
    else:
        log.warning("no tau_data_dir given: tau2-bench prompts are not checked")
    loaded = [f"{b.name} ({len(b.prompts)} prompts, {len(b.tools)} tools)" for b in benches]
    return NgramIndex(benches, config.decontam_ngram, config.decontam_min_words), loaded
