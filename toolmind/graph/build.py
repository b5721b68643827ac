"""Build the function graph: edge A -> B when an output parameter of A can feed an input parameter of B.

As in the paper, every parameter is embedded (`toolmind.graph.params`, `toolmind.graph.embed`) and a
candidate edge needs the best cosine similarity between an output of A and an input of B to pass a
threshold. Similarities are computed blockwise: a block of output embeddings times the matrix of input
embeddings (one BLAS matmul), thresholded at once, so memory stays at block x inputs and there is no
Python loop over tool pairs. Per output parameter only the `top_k` best inputs are kept, and per tool
pair the best parameter pair (plus up to three runners-up) becomes the edge's attributes.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from toolmind.graph.config import GraphConfig, to_dict
from toolmind.graph.embed import EmbeddingCache, default_cache_dir, embed_texts, make_embedder
from toolmind.graph.params import ANY_ID, NOT_ID, id_codes, input_params, output_params
from toolmind.graph.search import exact_chunks, ivf_chunks, n_clusters
from toolmind.schema import ToolSpec

log = logging.getLogger(__name__)

GRAPH_FILE = "graph.json"
MAX_PAIRS = 4
# Progress callback: (stage, advance, total) with stage in {"embed", "edges"}.
BuildProgress = Callable[[str, int, int], None]


@dataclass
class BuildStats:
    tools: int = 0
    inputs: int = 0
    outputs: int = 0
    texts: int = 0
    cache_hits: int = 0
    candidates: int = 0
    edges: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """0-based rank of each element inside its run of equal, already sorted group keys."""
    if len(groups) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    lengths = np.diff(np.r_[starts, len(groups)])
    return np.arange(len(groups)) - np.repeat(starts, lengths)


def _tiebreak(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # Deterministic pseudo-random order among equal similarities (identical texts tie at 1.0), so
    # that top-k does not always favour tools listed first.
    return ((a * 2654435761 + b * 40503 + 12345) % 2147483647).astype(np.int64)


def search_method(cfg: GraphConfig, n_out: int, n_in: int) -> str:
    """'exact' or 'ivf' for this many output and input parameters."""
    if cfg.search not in ("auto", "exact", "ivf"):
        raise ValueError(f"unknown search {cfg.search!r}; choose 'auto', 'exact' or 'ivf'")
    if cfg.search == "auto":
        return "exact" if n_out * n_in <= cfg.exact_max_pairs else "ivf"
    return cfg.search


def candidate_pairs(
    out_emb: np.ndarray,
    out_tool: np.ndarray,
    out_code: np.ndarray,
    in_emb: np.ndarray,
    in_tool: np.ndarray,
    in_mask: np.ndarray,
    cfg: GraphConfig,
    progress: BuildProgress | None = None,
    ids: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(output index, input index, similarity) of every kept parameter pair, computed blockwise.

    A pair is kept when its similarity passes the threshold, its types are compatible, it joins two
    different tools, it lies within the margin of the best pair of its output or its input (relative
    criterion: "the best available match", not just "similar enough"), it passes the identifier guard
    (`ids`: entity codes from `params.id_codes`; ids of different entities, or an id on one side only, need
    `id_threshold`), and it is among the `top_k` best
    pairs of its output parameter. Each search chunk keeps at most 2 x top_k pairs per output before the
    margin is applied, so memory is bounded by outputs x top_k x chunks an output appears in.
    """
    threshold = cfg.resolved_threshold()
    n_out, n_in = out_emb.shape[0], in_emb.shape[0]
    method = search_method(cfg, n_out, n_in)
    # Per output and chunk, keep enough pairs to survive the same-tool filter and still offer 2 x top_k.
    keep = 2 * cfg.top_k + int(np.bincount(in_tool).max(initial=0))
    if method == "exact":
        chunks = exact_chunks(
            out_emb, in_emb, out_code, in_mask, threshold, keep, cfg.block_size, cfg.type_check
        )
        total = n_out
    else:
        chunks = ivf_chunks(
            out_emb,
            in_emb,
            out_code,
            in_mask,
            threshold,
            keep,
            cfg.ivf_cluster_size,
            cfg.ivf_probe,
            cfg.type_check,
        )
        total = n_clusters(n_in, cfg.ivf_cluster_size)
    outs, ins, sims = [], [], []
    for r, c, s, done in chunks:
        other = out_tool[r] != in_tool[c]  # types were matched by the search already
        if ids is not None:
            eo, ei = ids[0][r], ids[1][c]
            odd = ((eo != NOT_ID) & (ei != NOT_ID) & ((eo != ei) | (eo == ANY_ID))) | (
                (eo == NOT_ID) != (ei == NOT_ID)
            )
            other &= ~odd | (s >= cfg.id_threshold)
        r, c, s = _top_per_row(r[other], c[other], s[other], 2 * cfg.top_k)
        outs.append(r)
        ins.append(c)
        sims.append(s)
        if progress:
            progress("edges", done, total)
    if not outs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)
    r, c, s = np.concatenate(outs), np.concatenate(ins), np.concatenate(sims)
    margin = cfg.resolved_margin()
    if margin < 1.0 and len(s):
        best_out = np.full(n_out, -np.inf, dtype=s.dtype)  # float64 embeddings: no rounding here
        best_in = np.full(in_emb.shape[0], -np.inf, dtype=s.dtype)
        np.maximum.at(best_out, r, s)
        np.maximum.at(best_in, c, s)
        near = s >= np.minimum(best_out[r], best_in[c]) - margin
        r, c, s = r[near], c[near], s[near]
    return _top_per_row(r, c, s, cfg.top_k)


def _best_first(group: np.ndarray, sim: np.ndarray, tiebreak: np.ndarray) -> np.ndarray:
    """Order grouping equal `group` keys (ascending), most similar first inside a group.

    One int64 argsort on a packed key (dense group id | quantised 1 - sim | tie-break bits) instead of
    a multi-key lexsort: several times faster on millions of candidate pairs.
    """
    if len(group) == 0:
        return np.zeros(0, dtype=np.int64)
    _, dense = np.unique(group, return_inverse=True)
    quant = np.clip(np.round((1.0 - sim.astype(np.float64)) * 1e6), 0, (1 << 20) - 1).astype(np.int64)
    key = (dense.astype(np.int64) << 34) | (quant << 14) | (tiebreak & 0x3FFF)
    return np.argsort(key, kind="quicksort")


def _top_per_row(
    r: np.ndarray, c: np.ndarray, s: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The k most similar pairs of each output row (rows come out sorted)."""
    order = _best_first(r, s, _tiebreak(r, c))
    r, c, s = r[order], c[order], s[order]
    top = _rank_within(r) < k
    return r[top], c[top], s[top]


def build_graph(
    tools: list[ToolSpec], cfg: GraphConfig | None = None, progress: BuildProgress | None = None
) -> nx.DiGraph:
    """The function graph of `tools`: node ids are tool names, node attr `spec` the tool spec, edge attrs
    `score` (best cosine), `src_param`, `dst_param` and `pairs` ([src, dst, score] up to four)."""
    cfg = cfg or GraphConfig()
    stats = BuildStats(tools=len(tools))
    names = [t.name for t in tools]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})[:5]
        raise ValueError(f"tool names must be unique (graph node ids); repeated: {dup}")
    t0 = time.perf_counter()
    ins = input_params(tools)
    outs = output_params(tools, nested=cfg.nested_outputs)
    stats.inputs, stats.outputs = len(ins), len(outs)

    embedder = make_embedder(cfg.embedder, cfg.lexical_dim, cfg.batch_size, cfg.device)
    cache = None
    if embedder.cacheable and cfg.cache_dir != "":
        cache = EmbeddingCache(cfg.cache_dir or default_cache_dir(), embedder.name)
    texts = outs.text + ins.text
    stats.texts = len(set(texts))

    def embed_progress(n: int) -> None:
        if progress:
            progress("embed", n, stats.texts)

    emb, stats.cache_hits = embed_texts(texts, embedder, cache, embed_progress)
    stats.seconds["embed"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    out_tool, out_code = outs.arrays()
    in_tool, in_mask = ins.arrays()
    ids = id_codes(outs.path, ins.path)
    o, i, s = candidate_pairs(
        emb[: len(outs)], out_tool, out_code, emb[len(outs) :], in_tool, in_mask, cfg, progress, ids
    )
    stats.candidates = len(o)
    src, dst = out_tool[o], in_tool[i]
    key = src * len(tools) + dst
    order = _best_first(key, s, _tiebreak(o, i))
    o, i, s, key = o[order], i[order], s[order], key[order]
    rank = _rank_within(key)
    keep = rank < MAX_PAIRS
    o, i, s, key, rank = o[keep], i[keep], s[keep], key[keep], rank[keep]
    if cfg.max_out_degree > 0:
        best = np.flatnonzero(rank == 0)
        b_src = key[best] // len(tools)
        b_order = _best_first(b_src, s[best], _tiebreak(b_src, key[best]))
        allowed = np.zeros(len(best), dtype=bool)
        allowed[b_order] = _rank_within(b_src[b_order]) < cfg.max_out_degree
        mask = np.isin(key, key[best[allowed]])
        o, i, s, key, rank = o[mask], i[mask], s[mask], key[mask], rank[mask]
    stats.seconds["edges"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    graph = nx.DiGraph()
    graph.add_nodes_from((t.name, {"spec": t.model_dump(exclude_none=True)}) for t in tools)
    n_tools = len(tools)
    starts = np.flatnonzero(rank == 0).tolist()
    ends = [*starts[1:], len(key)]
    src_path = [outs.path[x] for x in o.tolist()]
    dst_path = [ins.path[x] for x in i.tolist()]
    score = np.round(s.astype(np.float64), 4).tolist()
    key_l = key.tolist()
    edge_list: list[tuple[str, str, dict[str, Any]]] = []
    for a, b in zip(starts, ends, strict=True):
        pairs = [[src_path[j], dst_path[j], score[j]] for j in range(a, b)]
        attrs = {"score": score[a], "src_param": src_path[a], "dst_param": dst_path[a], "pairs": pairs}
        edge_list.append((names[key_l[a] // n_tools], names[key_l[a] % n_tools], attrs))
    graph.add_edges_from(edge_list)
    stats.edges = graph.number_of_edges()
    stats.seconds["graph"] = time.perf_counter() - t2
    graph.graph.update(
        {
            "embedder": embedder.name,
            "search": search_method(cfg, len(outs), len(ins)),
            "threshold": cfg.resolved_threshold(),
            "config": to_dict(cfg),
            "stats": {k: v for k, v in stats.__dict__.items() if k != "seconds"},
        }
    )
    log.info("graph: %d tools, %d edges (%d candidate pairs)", stats.tools, stats.edges, stats.candidates)
    graph.graph["timing"] = {k: round(v, 3) for k, v in stats.seconds.items()}
    return graph


def save_graph(graph: nx.DiGraph, out_dir: str | os.PathLike[str]) -> Path:
    """Write `out_dir/graph.json` (networkx node-link JSON, edges under `links`) atomically."""
    target = Path(out_dir) / GRAPH_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    data = nx.node_link_data(graph, edges="links")
    tmp = target.with_name(target.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)
    os.replace(tmp, target)
    return target


def load_graph(path: str | os.PathLike[str]) -> nx.DiGraph:
    """Read a graph written by `save_graph` (`path` is the folder or the graph.json file)."""
    p = Path(path)
    if p.is_dir():
        p = p / GRAPH_FILE
    if not p.exists():
        raise FileNotFoundError(f"{p}: no graph here; build one with `toolmind graph build`")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{p}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    graph = nx.node_link_graph(data, directed=True, edges="links")
    if not isinstance(graph, nx.DiGraph):
        raise ValueError(f"{p}: expected a directed graph")
    return graph


def graph_tools(graph: nx.DiGraph) -> list[ToolSpec]:
    """The tool specs stored on the nodes."""
    return [ToolSpec.model_validate(graph.nodes[n]["spec"]) for n in graph.nodes]
