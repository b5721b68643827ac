"""Sample tool chains from the function graph by seeded random walks, and describe a set of chains.

A chain grows from a start tool: each step follows an edge out of the last step (or, with
`branch_prob`, out of an earlier step, which gives calls with no dependency between them: parallel
candidates), occasionally adds an unrelated tool (`independent_prob`), and stops at a target length
drawn uniformly from [min_length, max_length] or when no edge is left. Next tools are drawn with weight
`score x specificity / (1 + visits)`: specificity = (number of tools feeding that input) ^ -power favours
links into inputs few tools can feed (an `order_id`) over generic ones (a `currency`, a `date`), so chains
follow real data flow; the visit term spreads chains over the whole pool.
Tools that reached `max_visits` are not used again. Start tools are drawn with weight
`start_weight / (1 + visits)`, the weight 1 unless `start_weights` names the tool. The same graph, seed
and config give the same chains.
"""

from __future__ import annotations

import fnmatch
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from toolmind.graph.config import ChainConfig
from toolmind.schema import Chain, ChainLink


@dataclass
class _Walker:
    graph: nx.DiGraph
    cfg: ChainConfig
    rng: random.Random
    cap: int
    visits: Counter[str] = field(default_factory=Counter)
    weight: dict[tuple[str, str], float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        feeders: Counter[tuple[str, str]] = Counter()
        for _, v, a in self.graph.edges(data=True):
            feeders[(v, a.get("dst_param", ""))] += 1
        for u, v, a in self.graph.edges(data=True):
            spec = feeders[(v, a.get("dst_param", ""))] ** -self.cfg.specificity_power
            self.weight[(u, v)] = max(float(a.get("score", 1.0)), 1e-3) * spec
        self.nodes = sorted(self.graph.nodes)
        self.start_weight = start_weights(self.nodes, self.cfg.start_weights)
        starts = [n for n in self.nodes if self.graph.out_degree(n) > 0] or self.nodes
        self.starts = [n for n in starts if self.start_weight[n] > 0]
        if not self.starts:
            raise ValueError("start_weights: every tool that can start a chain has weight 0")

    def _open(self, node: str, used: set[str]) -> bool:
        return node not in used and self.visits[node] < self.cap

    def _pick(self, options: list[str], weights: list[float]) -> str:
        return self.rng.choices(options, weights=weights, k=1)[0]

    def _successors(self, step_tool: str, used: set[str]) -> tuple[list[str], list[float]]:
        opts = [v for v in self.graph.successors(step_tool) if self._open(v, used)]
        return opts, [self.weight[(step_tool, v)] / (1 + self.visits[v]) for v in opts]

    def walk(self, length: int) -> tuple[list[str], list[ChainLink]]:
        pool = [n for n in self.starts if self.visits[n] < self.cap] or self.starts
        start = self._pick(pool, [self.start_weight[n] / (1 + self.visits[n]) for n in pool])
        tools, links = [start], []
        used = {start}
        while len(tools) < length:
            if len(tools) > 1 and self.rng.random() < self.cfg.independent_prob:
                free = [n for n in self.nodes if self._open(n, used)]
                if free:
                    pick = self._pick(free, [1.0 / (1 + self.visits[n]) for n in free])
                    tools.append(pick)
                    used.add(pick)
                    continue
            order = [len(tools) - 1]
            if len(tools) > 1 and self.rng.random() < self.cfg.branch_prob:
                order.insert(0, self.rng.randrange(len(tools) - 1))
            order += [
                i for i in range(len(tools) - 2, -1, -1) if i not in order
            ]  # fall back: any earlier step
            for src in order:
                opts, weights = self._successors(tools[src], used)
                if opts:
                    nxt = self._pick(opts, weights)
                    break
            else:
                break  # dead end: no unused successor of any step
            dst = len(tools)
            tools.append(nxt)
            used.add(nxt)
            links.append(self._link(src, dst, tools))
            links += self._extra_links(src, dst, tools)
        return tools, links

    def _link(self, src: int, dst: int, tools: list[str]) -> ChainLink:
        a = self.graph.edges[tools[src], tools[dst]]
        return ChainLink(
            src=src, src_param=a["src_param"], dst=dst, dst_param=a["dst_param"], score=a["score"]
        )

    def _extra_links(self, src: int, dst: int, tools: list[str]) -> list[ChainLink]:
        """Other earlier steps that feed a different input of the new step."""
        fed = {self.graph.edges[tools[src], tools[dst]]["dst_param"]}
        out: list[ChainLink] = []
        for k in range(dst - 1, -1, -1):
            if len(out) >= self.cfg.extra_links:
                break
            if k == src or not self.graph.has_edge(tools[k], tools[dst]):
                continue
            for s_param, d_param, score in self.graph.edges[tools[k], tools[dst]].get("pairs", []):
                if d_param not in fed:
                    fed.add(d_param)
                    out.append(ChainLink(src=k, src_param=s_param, dst=dst, dst_param=d_param, score=score))
                    break
        return out


def parallel_groups(n: int, links: list[ChainLink]) -> list[list[int]]:
    """Steps at the same dependency depth (no path between them), groups of two or more, in order."""
    depth = [0] * n
    for link in sorted(links, key=lambda lk: lk.dst):
        depth[link.dst] = max(depth[link.dst], depth[link.src] + 1)
    by_depth: dict[int, list[int]] = defaultdict(list)
    for i, d in enumerate(depth):
        by_depth[d].append(i)
    return [steps for _, steps in sorted(by_depth.items()) if len(steps) > 1]


def start_weights(tools: list[str], globs: dict[str, float]) -> dict[str, float]:
    """Each tool's weight as a chain's first tool: the first glob of `globs` matching its name, else 1.

    Raises:
        ValueError: A glob matches none of `tools` (a typo would otherwise leave the data silently
            unaimed). The weights themselves are checked by `ChainConfig`.
    """
    weights: dict[str, float] = {}
    matched: set[str] = set()
    for tool in tools:
        glob = next((g for g in globs if fnmatch.fnmatchcase(tool, g)), None)
        weights[tool] = 1.0 if glob is None else float(globs[glob])
        if glob is not None:
            matched.add(glob)
    for glob in globs:
        # Only a glob that decided no tool is matched again: it may be shadowed by an earlier one.
        if glob not in matched and not any(fnmatch.fnmatchcase(tool, glob) for tool in tools):
            raise ValueError(f"start_weights: {glob!r} matches no tool of the graph")
    return weights


def auto_cap(graph: nx.DiGraph, n: int, cfg: ChainConfig) -> int:
    mean_len = (cfg.min_length + cfg.max_length) / 2
    return max(3, math.ceil(3 * n * mean_len / max(graph.number_of_nodes(), 1)))


def sample_chains(
    graph: nx.DiGraph,
    n: int,
    seed: int,
    cfg: ChainConfig | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Chain]:
    """`n` chains from seeded random walks (fewer only if the graph has no edges at all)."""
    cfg = cfg or ChainConfig()
    if not 1 <= cfg.min_length <= cfg.max_length:
        raise ValueError(f"need 1 <= min_length <= max_length, got {cfg.min_length}, {cfg.max_length}")
    if graph.number_of_nodes() == 0:
        raise ValueError("the graph has no tools")
    walker = _Walker(graph, cfg, random.Random(seed), cfg.max_visits or auto_cap(graph, n, cfg))
    chains: list[Chain] = []
    for index in range(n):
        target = walker.rng.randint(cfg.min_length, cfg.max_length)
        best: tuple[list[str], list[ChainLink]] = ([], [])
        for _ in range(cfg.max_attempts):
            tools, links = walker.walk(target)
            if len(tools) > len(best[0]):
                best = (tools, links)
            if len(tools) >= min(target, cfg.min_length):
                break
        tools, links = best
        walker.visits.update(tools)
        chains.append(
            Chain(
                id=f"chain-s{seed}-{index:06d}",
                tools=tools,
                links=links,
                parallel_groups=parallel_groups(len(tools), links),
                seed=seed,
            )
        )
        if progress:
            progress(1)
    return chains


def chain_stats(chains: list[Chain], graph: nx.DiGraph | None = None) -> dict[str, Any]:
    """Coverage (share of tools used), length histogram, repeated-chain rate and link figures."""
    lengths = sorted(len(c.tools) for c in chains)
    used = {t for c in chains for t in c.tools}
    seen: set[tuple[str, ...]] = set()
    repeats = 0
    for c in chains:
        key = tuple(c.tools)
        repeats += key in seen
        seen.add(key)
    n_tools = graph.number_of_nodes() if graph is not None else len(used)
    return {
        "chains": len(chains),
        "coverage": round(len(used) / n_tools, 4) if n_tools else 0.0,
        "tools_used": len(used),
        "tools_total": n_tools,
        "length_min": lengths[0] if lengths else 0,
        "length_median": lengths[len(lengths) // 2] if lengths else 0,
        "length_mean": round(sum(lengths) / len(lengths), 2) if lengths else 0.0,
        "length_max": lengths[-1] if lengths else 0,
        "length_histogram": dict(sorted(Counter(lengths).items())),
        "repeated_chain_rate": round(repeats / len(chains), 4) if chains else 0.0,
        "with_parallel_share": round(sum(bool(c.parallel_groups) for c in chains) / len(chains), 4)
        if chains
        else 0.0,
        "links_per_step": round(sum(len(c.links) for c in chains) / max(sum(lengths), 1), 3),
    }
