"""The two graph stages as functions the CLI (and pipelines) call: build a graph folder, sample chains.

`run_build` writes `out_dir/graph.json` and `out_dir/manifest.json` (resolved config, versions, counts,
timing, input hashes, what the import skipped). `run_sample` writes the chains as JSONL (atomically) and
`<file>.manifest.json` with the chain statistics.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from toolmind.environment import package_versions
from toolmind.graph.build import BuildProgress, build_graph, load_graph, save_graph
from toolmind.graph.config import ChainConfig, GraphConfig, config_from_dict, to_dict
from toolmind.graph.sample import chain_stats, sample_chains
from toolmind.llm.base import LLMBackend
from toolmind.schema import Chain, write_jsonl
from toolmind.tools.complete import complete_tools
from toolmind.tools.io import ImportReport, load_tools, tool_files
from toolmind.tools.pool import load_default_pool
from toolmind.tools.pool_build import POOL_FILE

MANIFEST = "manifest.json"
EDGE_SCORES = "edge_scores.jsonl"  # LLM edge-scoring journal: a rerun resumes from it


def load_recipe(path: str | os.PathLike[str] | None) -> tuple[GraphConfig, ChainConfig]:
    """GraphConfig and ChainConfig from a YAML recipe with optional `graph:` and `chains:` sections."""
    if path is None:
        return GraphConfig(), ChainConfig()
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping with 'graph' and/or 'chains' sections")
    unknown = sorted(set(data) - {"graph", "chains"})
    if unknown:
        raise ValueError(f"{path}: unknown section(s) {unknown}; expected 'graph' and 'chains'")
    graph = config_from_dict(GraphConfig, data.get("graph"), f"{path}: graph")
    chains = config_from_dict(ChainConfig, data.get("chains"), f"{path}: chains")
    return graph, chains


def file_sha256(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def versions(extra: tuple[str, ...] = ()) -> dict[str, str]:
    found = package_versions(("toolmind", "numpy", "networkx", *extra))
    return {"python": platform.python_version(), **{k: v or "not installed" for k, v in found.items()}}


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def run_build(
    out_dir: str | os.PathLike[str],
    cfg: GraphConfig,
    tools_path: str | os.PathLike[str] | None = None,
    fmt: str | None = None,
    complete: str = "rules",
    completion_backend: LLMBackend | None = None,
    edge_backend: LLMBackend | None = None,
    progress: BuildProgress | None = None,
    edge_progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Import (or take the default pool), complete, build, optionally LLM-score, save; returns the manifest."""
    t0 = time.perf_counter()
    report = ImportReport()
    if tools_path is None:
        tools = load_default_pool()
        inputs = {"default_pool": file_sha256(POOL_FILE)}
    else:
        report = load_tools(tools_path, fmt)
        tools = report.tools
        inputs = {str(f): file_sha256(f) for f in tool_files(tools_path)}
    if not tools:
        raise ValueError(f"{tools_path}: no usable tools ({len(report.skipped)} skipped)")
    completion: dict[str, int] = {}
    if complete != "off":
        backend = completion_backend if complete == "llm" else None
        tools, comp = complete_tools(tools, backend)
        completion = dict(comp.__dict__)
    import_seconds = time.perf_counter() - t0

    graph = build_graph(tools, cfg, progress)
    scoring: dict[str, Any] = {}
    if cfg.llm_score:
        if edge_backend is None:
            raise ValueError("llm_score is on but no LLM backend was given for edge scoring")
        from toolmind.graph.score import score_edges

        t1 = time.perf_counter()
        journal = Path(out_dir) / EDGE_SCORES
        scored = score_edges(graph, edge_backend, cfg.llm_cutoff, cfg.llm_concurrency, edge_progress, journal)
        scoring = {**scored.__dict__, "journal": str(journal)}
        scoring["backend"] = edge_backend.name
        scoring["seconds"] = round(time.perf_counter() - t1, 3)
    path = save_graph(graph, out_dir)
    degrees = [d for _, d in graph.out_degree()]
    manifest = {
        "stage": "graph build",
        "config": to_dict(cfg),
        "threshold": cfg.resolved_threshold(),
        "margin": cfg.resolved_margin(),
        "embedder": graph.graph["embedder"],
        "versions": versions(("torch", "transformers") if cfg.embedder == "minilm" else ()),
        "inputs": inputs,
        "import": {
            **report.summary(),
            "skipped_examples": report.skipped[:50],
            "renamed": report.renamed[:50],
        },
        "completion": completion,
        "counts": {
            **graph.graph["stats"],
            "edges": graph.number_of_edges(),
            "isolated_tools": sum(1 for n in graph if graph.degree(n) == 0),
            "mean_out_degree": round(sum(degrees) / max(len(degrees), 1), 2),
        },
        "llm_scoring": scoring,
        "timing": {
            "import_s": round(import_seconds, 3),
            **{f"{k}_s": v for k, v in graph.graph["timing"].items()},
            "total_s": round(time.perf_counter() - t0, 3),
        },
        "graph": str(path),
    }
    _write_json(Path(out_dir) / MANIFEST, manifest)
    return manifest


def run_sample(
    graph_dir: str | os.PathLike[str],
    out_file: str | os.PathLike[str],
    n: int,
    seed: int,
    cfg: ChainConfig,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[Chain], dict[str, Any]]:
    """Sample `n` chains with `seed` from the graph in `graph_dir`; write JSONL + manifest."""
    t0 = time.perf_counter()
    graph = load_graph(graph_dir)
    chains = sample_chains(graph, n, seed, cfg, progress)
    write_jsonl(out_file, chains)
    graph_file = Path(graph_dir) / "graph.json" if Path(graph_dir).is_dir() else Path(graph_dir)
    manifest = {
        "stage": "graph sample",
        "config": to_dict(cfg),
        "n": n,
        "seed": seed,
        "versions": versions(),
        "inputs": {str(graph_file): file_sha256(graph_file)},
        "stats": chain_stats(chains, graph),
        "timing": {"total_s": round(time.perf_counter() - t0, 3)},
        "chains": str(out_file),
    }
    _write_json(Path(str(out_file) + ".manifest.json"), manifest)
    return chains, manifest
