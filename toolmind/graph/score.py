"""Optional LLM scoring of candidate edges (0-9), as in the paper: similarity proposes, the LLM disposes.

Each edge is shown to the model with both tools and the linking parameter pair; the model answers with
one digit judging whether the output really can feed the input (field transitivity) and whether calling
the two in sequence makes sense for a user (intent coherence). Edges scoring below the cut-off are
removed; the score is kept on the surviving edges as `llm_score`. An answer with no digit leaves the
edge unscored and in place (counted in the report), so a flaky model never silently empties the graph.
Scores are journaled to a JSONL file as they arrive, so scoring a large graph resumes after a kill.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from toolmind.llm.base import ChatRequest, LLMBackend
from toolmind.schema import Message, repair_tail

log = logging.getLogger(__name__)

_DIGIT = re.compile(r"\b([0-9])\b")

PROMPT = """Two API functions may be chained: an output field of the first becomes an input of the second.
Rate from 0 to 9 how sensible this link is: 9 = the output is exactly what the input needs and a user
would naturally call them in this order; 0 = unrelated. Answer with the digit only.

First function: {src}: {src_desc}
  output field `{src_param}`: {src_param_desc}
Second function: {dst}: {dst_desc}
  input parameter `{dst_param}`: {dst_param_desc}"""


@dataclass
class EdgeScoreReport:
    scored: int = 0
    dropped: int = 0
    unscored: int = 0


def _field_desc(schema: dict[str, Any] | None, path: str) -> str:
    node: Any = schema or {}
    for part in path.split("."):
        name = part.removesuffix("[]")
        node = (node.get("properties") or {}).get(name, {}) if isinstance(node, dict) else {}
        if part.endswith("[]") and isinstance(node, dict):
            node = node.get("items", {})
    return str(node.get("description", "")) if isinstance(node, dict) else ""


def edge_prompt(graph: nx.DiGraph, u: str, v: str) -> str:
    a = graph.edges[u, v]
    su, sv = graph.nodes[u]["spec"], graph.nodes[v]["spec"]
    return PROMPT.format(
        src=u,
        src_desc=su["function"].get("description", ""),
        src_param=a["src_param"],
        src_param_desc=_field_desc(su.get("returns"), a["src_param"]),
        dst=v,
        dst_desc=sv["function"].get("description", ""),
        dst_param=a["dst_param"],
        dst_param_desc=_field_desc(sv["function"].get("parameters"), a["dst_param"]),
    )


def similarity_policy(request: ChatRequest) -> Message:
    """Scripted edge scorer: the digit is the edge's cosine similarity x 10 (capped at 9), so offline
    runs exercise the whole scoring path deterministically. Named `scripted:edge-similarity`."""
    similarity = float(request.context.get("similarity", 0.0))
    return Message(role="assistant", content=str(max(0, min(9, int(similarity * 10)))))


def parse_score(text: str) -> int | None:
    match = _DIGIT.search(text or "")
    return int(match.group(1)) if match else None


def _journal_key(graph: nx.DiGraph, u: str, v: str) -> str:
    a = graph.edges[u, v]
    return f"{u}\t{v}\t{a['src_param']}\t{a['dst_param']}"


def read_journal(path: Path, backend_name: str) -> dict[str, int | None]:
    """Scores already obtained from `backend_name` (edge key -> digit or None); other backends' are ignored."""
    done: dict[str, int | None] = {}
    if not path.exists():
        return done
    repair_tail(path)
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            log.warning("%s:%d: unreadable edge-score record skipped", path, lineno)
            continue
        if rec.get("backend") == backend_name:
            done[str(rec["edge"])] = rec.get("score")
    return done


async def ascore_edges(
    graph: nx.DiGraph,
    backend: LLMBackend,
    cutoff: int = 5,
    concurrency: int = 8,
    progress: Callable[[int], None] | None = None,
    journal: str | os.PathLike[str] | None = None,
) -> EdgeScoreReport:
    """Score every edge in place; remove those below `cutoff`.

    With `journal` (a JSONL file), each score is appended as soon as it arrives and a rerun reuses the
    scores already there (same backend name), so an interrupted scoring of a large graph resumes.
    """
    report = EdgeScoreReport()
    sem = asyncio.Semaphore(concurrency)
    path = Path(journal) if journal is not None else None
    scores: dict[str, int | None] = read_journal(path, backend.name) if path is not None else {}
    edges = list(graph.edges)
    todo = [(u, v) for u, v in edges if _journal_key(graph, u, v) not in scores]
    if progress and len(edges) > len(todo):
        progress(len(edges) - len(todo))
    # Flushed per line (a killed process loses nothing), fsynced every 1000 lines rather than per line:
    # a large graph has hundreds of thousands of edges.
    journal_fh = None
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        journal_fh = open(path, "a", encoding="utf-8")  # noqa: SIM115 (closed in finally)
    written = 0

    async def one(u: str, v: str) -> None:
        request = ChatRequest(
            messages=[Message(role="user", content=edge_prompt(graph, u, v))],
            temperature=0.0,
            max_tokens=8,
            enable_thinking=False,
            context={"role": "edge_scorer", "src": u, "dst": v, "similarity": graph.edges[u, v]["score"]},
        )
        async with sem:
            completion = await backend.complete(request)
        key = _journal_key(graph, u, v)
        scores[key] = parse_score(completion.message.content)
        nonlocal written
        if journal_fh is not None:
            journal_fh.write(json.dumps({"edge": key, "score": scores[key], "backend": backend.name}) + "\n")
            journal_fh.flush()
            written += 1
            if written % 1000 == 0:
                os.fsync(journal_fh.fileno())
        if progress:
            progress(1)

    try:
        step = max(concurrency * 32, 256)  # bounded number of pending coroutines on huge graphs
        for start in range(0, len(todo), step):
            await asyncio.gather(*(one(u, v) for u, v in todo[start : start + step]))
    finally:
        if journal_fh is not None:
            os.fsync(journal_fh.fileno())
            journal_fh.close()
    for u, v in edges:
        score = scores.get(_journal_key(graph, u, v))
        if score is None:
            report.unscored += 1
            continue
        report.scored += 1
        if score < cutoff:
            graph.remove_edge(u, v)
            report.dropped += 1
        else:
            graph.edges[u, v]["llm_score"] = score
    graph.graph["llm_scoring"] = {"backend": backend.name, "cutoff": cutoff, **report.__dict__}
    log.info("LLM edge scoring with %s: %s", backend.name, report)
    return report


def score_edges(
    graph: nx.DiGraph,
    backend: LLMBackend,
    cutoff: int = 5,
    concurrency: int = 8,
    progress: Callable[[int], None] | None = None,
    journal: str | os.PathLike[str] | None = None,
) -> EdgeScoreReport:
    """Synchronous wrapper of `ascore_edges`."""
    return asyncio.run(ascore_edges(graph, backend, cutoff, concurrency, progress, journal))
