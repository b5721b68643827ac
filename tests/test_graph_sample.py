"""Chain sampling (determinism, structure, caps, coverage), LLM edge scoring and the graph CLI."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from toolmind.cli import main
from toolmind.graph.build import build_graph, load_graph
from toolmind.graph.config import ChainConfig, GraphConfig, config_from_dict
from toolmind.graph.sample import chain_stats, parallel_groups, sample_chains
from toolmind.graph.score import score_edges
from toolmind.llm.base import ChatRequest, Completion
from toolmind.schema import Chain, ChainLink, Message, read_jsonl
from toolmind.tools.pool import load_default_pool


@pytest.fixture(scope="module")
def pool_graph() -> nx.DiGraph:
    return build_graph(load_default_pool(), GraphConfig(embedder="lexical"))


def test_same_seed_same_chains_different_seed_different(pool_graph: nx.DiGraph) -> None:
    a = sample_chains(pool_graph, 40, seed=7)
    b = sample_chains(pool_graph, 40, seed=7)
    c = sample_chains(pool_graph, 40, seed=8)
    assert [x.model_dump() for x in a] == [x.model_dump() for x in b]
    assert [x.tools for x in a] != [x.tools for x in c]


def test_chain_structure(pool_graph: nx.DiGraph) -> None:
    cfg = ChainConfig(min_length=5, max_length=12)
    chains = sample_chains(pool_graph, 60, seed=1, cfg=cfg)
    for chain in chains:
        assert len(chain.tools) <= 12 and len(set(chain.tools)) == len(chain.tools)
        for link in chain.links:
            assert link.src < link.dst
            edge = pool_graph.edges[chain.tools[link.src], chain.tools[link.dst]]
            assert [link.src_param, link.dst_param] in [p[:2] for p in edge["pairs"]]
        deps = nx.DiGraph([(lk.src, lk.dst) for lk in chain.links])
        deps.add_nodes_from(range(len(chain.tools)))
        for group in chain.parallel_groups:
            for i in group:
                for j in group:
                    assert i == j or not nx.has_path(deps, i, j)
    assert sum(len(c.tools) >= 5 for c in chains) / len(chains) > 0.9
    assert any(c.parallel_groups for c in chains)


def test_default_pool_goals_coverage_and_length(pool_graph: nx.DiGraph) -> None:
    stats = chain_stats(sample_chains(pool_graph, 300, seed=0), pool_graph)
    assert stats["coverage"] >= 0.8
    assert stats["length_median"] >= 6
    assert stats["repeated_chain_rate"] < 0.05


def test_start_weights_aim_the_first_tools_and_reject_globs_that_match_nothing(
    pool_graph: nx.DiGraph,
) -> None:
    def started(weights: dict[str, float]) -> int:
        cfg = ChainConfig(start_weights=weights)
        return sum(c.tools[0].startswith("compute_") for c in sample_chains(pool_graph, 300, 0, cfg))

    # 36 of the pool's 475 tools are compute_*. The visit term still spreads the starts (a weight w lets a
    # tool be chosen until it has about w times the others' visits), so 5 gives ~3x the starts here
    # (17 -> 54), and 0 keeps them from starting any chain.
    plain, aimed = started({}), started({"compute_*": 5.0})
    assert plain < 30 and aimed > 2 * plain
    assert started({"compute_*": 0.0}) == 0
    # The first matching glob counts: here compute_* tools get 0 before the catch-all's 1.
    assert started({"compute_*": 0.0, "*": 1.0}) == 0
    with pytest.raises(ValueError, match="'comptue_\\*' matches no tool"):
        sample_chains(pool_graph, 5, 0, ChainConfig(start_weights={"comptue_*": 2.0}))
    with pytest.raises(ValueError, match=r"-1\.0 is not a weight"):
        ChainConfig(start_weights={"compute_*": -1.0})
    with pytest.raises(ValueError, match=r"recipe\.yaml: chains: start_weights: 'compute_\*': 'x' is not"):
        config_from_dict(ChainConfig, {"start_weights": {"compute_*": "x"}}, "recipe.yaml: chains")
    with pytest.raises(ValueError, match="every tool that can start a chain has weight 0"):
        sample_chains(pool_graph, 5, 0, ChainConfig(start_weights={"*": 0.0}))


def test_visit_cap(pool_graph: nx.DiGraph) -> None:
    chains = sample_chains(pool_graph, 50, seed=3, cfg=ChainConfig(max_visits=2))
    counts: dict[str, int] = {}
    for c in chains:
        for t in c.tools:
            counts[t] = counts.get(t, 0) + 1
    assert max(counts.values()) <= 2


def test_parallel_groups_from_links() -> None:
    links = [
        ChainLink(src=0, src_param="a", dst=1, dst_param="x"),
        ChainLink(src=0, src_param="a", dst=2, dst_param="x"),
        ChainLink(src=2, src_param="b", dst=3, dst_param="y"),
    ]
    assert parallel_groups(4, links) == [[1, 2]]


class _Digits:
    """LLMBackend answering each edge with 9 if the target tool name starts with 'get', else 2."""

    name = "fixed:digits"

    async def complete(self, request: ChatRequest) -> Completion:
        digit = "9" if str(request.context["dst"]).startswith("get") else "2"
        return Completion(message=Message(role="assistant", content=f"Score: {digit}"), backend="fixed")


def test_llm_edge_scoring_drops_low_edges(pool_graph: nx.DiGraph) -> None:
    graph = pool_graph.copy()
    report = score_edges(graph, _Digits(), cutoff=5)
    assert report.scored == pool_graph.number_of_edges() and report.dropped > 0
    assert all(v.startswith("get") and a["llm_score"] == 9 for _, v, a in graph.edges(data=True))


def test_cli_build_and_sample_default_pool(tmp_path: Path) -> None:
    out = tmp_path / "graph"
    assert main(["graph", "build", "--out", str(out), "--embedder", "lexical"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["tools"] == len(load_default_pool())
    assert manifest["inputs"].keys() == {"default_pool"}
    assert load_graph(out).number_of_edges() == manifest["counts"]["edges"]
    chains_file = tmp_path / "chains.jsonl"
    assert (
        main(["graph", "sample", "--graph", str(out), "--n", "20", "--seed", "5", "--out", str(chains_file)])
        == 0
    )
    chains = read_jsonl(chains_file, Chain, strict=True).records
    assert len(chains) == 20 and all(c.seed == 5 for c in chains)
    stats = json.loads(Path(str(chains_file) + ".manifest.json").read_text())["stats"]
    assert stats["chains"] == 20


def test_cli_build_from_import_format_with_scripted_scoring(tmp_path: Path) -> None:
    src = tmp_path / "xlam.jsonl"
    assert main(["tools", "export", "--format", "xlam", "--out", str(src)]) == 0
    recipe = tmp_path / "graph.yaml"
    recipe.write_text(
        "graph:\n  embedder: lexical\n  llm_cutoff: 8\nchains:\n  min_length: 3\n", encoding="utf-8"
    )
    out = tmp_path / "g"
    assert (
        main(
            ["graph", "build", "--tools", str(src), "--out", str(out), "--config", str(recipe), "--llm-score"]
        )
        == 0
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["llm_scoring"]["backend"] == "scripted:edge-similarity"
    assert manifest["llm_scoring"]["dropped"] > 0
    assert min(a["llm_score"] for _, _, a in load_graph(out).edges(data=True)) >= 8
    bad = tmp_path / "bad.yaml"
    bad.write_text("graph:\n  threshhold: 0.5\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"bad\.yaml: graph: unknown field.*threshhold"):
        main(["graph", "build", "--out", str(out), "--config", str(bad)])


class _FailAfter:
    """Answers '7' for `limit` edges, then fails like a backend whose retries ran out."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.calls = 0
        self.name = "fixed:seven"

    async def complete(self, request: ChatRequest) -> Completion:
        from toolmind.llm.base import LLMError

        self.calls += 1
        if self.calls > self.limit:
            raise LLMError("server gone")
        return Completion(message=Message(role="assistant", content="7"), backend="fixed")


def test_edge_scoring_resumes_from_its_journal(tmp_path: Path, pool_graph: nx.DiGraph) -> None:
    from toolmind.llm.base import LLMError

    graph = pool_graph.subgraph(sorted(pool_graph.nodes)[:60]).copy()
    n_edges = graph.number_of_edges()
    assert n_edges > 20
    journal = tmp_path / "edge_scores.jsonl"
    with pytest.raises(LLMError):
        score_edges(graph.copy(), _FailAfter(10), cutoff=5, concurrency=1, journal=journal)
    assert len(journal.read_text().splitlines()) == 10
    backend = _FailAfter(10_000)
    report = score_edges(graph, backend, cutoff=5, concurrency=1, journal=journal)
    assert backend.calls == n_edges - 10
    assert report.scored == n_edges and report.dropped == 0
