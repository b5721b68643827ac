"""Graph-building scale benchmark: generated pools of 1k / 5k / 20k tools, lexical and MiniLM embedders.

Each measurement runs in its own subprocess so that peak RSS (ru_maxrss) is that build's alone.
MiniLM runs twice per size: with a cold embedding cache (fresh folder) and warm (same folder again).
It also checks the default-pool goals: share of tools reachable in sampled chains and median length.

    .venv/bin/python benchmarks/graph_scale.py                       # lexical 1k/5k/20k, MiniLM 1k
    .venv/bin/python benchmarks/graph_scale.py --minilm-sizes 1000 5000
    .venv/bin/python benchmarks/graph_scale.py --sizes 1000 --minilm-sizes   # quick

Generated tools have ~5 parameters (3 inputs, 2 outputs) over a vocabulary that grows with the pool
(entities x field kinds), so the number of distinct parameter texts grows with n as in real pools.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PREFIXES = [
    "fleet",
    "customer",
    "patient",
    "supplier",
    "warehouse",
    "campaign",
    "loyalty",
    "tenant",
    "vendor",
    "course",
    "clinic",
    "payroll",
    "freight",
    "insurance",
    "rental",
    "crypto",
    "energy",
    "media",
    "legal",
    "donor",
]
NOUNS = [
    "vehicle",
    "invoice",
    "order",
    "shipment",
    "ticket",
    "booking",
    "account",
    "device",
    "policy",
    "claim",
    "report",
    "contract",
    "asset",
    "project",
    "task",
    "event",
    "listing",
    "message",
    "document",
    "payment",
    "route",
    "sensor",
    "subscription",
    "review",
    "lesson",
]
QUALIFIERS = ["primary", "archived", "regional", "draft", "external", "internal", "pending"]
KINDS = {
    "id": ("string", "Unique identifier of the {e}, e.g. '{code}-1042'."),
    "name": ("string", "Human-readable name of the {e}."),
    "date": ("string", "Date of the {e} in YYYY-MM-DD format."),
    "amount": ("number", "Total amount of the {e} in US dollars."),
    "count": ("integer", "Number of items in the {e}."),
    "active": ("boolean", "Whether the {e} is currently active."),
    "status": ("string", "Current status of the {e}: open, closed or pending."),
    "city": ("string", "City where the {e} is located."),
}
VERBS = ["get", "list", "create", "update", "cancel", "search", "archive", "export", "approve", "assign"]


def entities(n_tools: int) -> list[str]:
    names = [f"{p} {n}" for p in PREFIXES for n in NOUNS]
    names += [f"{q} {p} {n}" for q in QUALIFIERS for p in PREFIXES for n in NOUNS]
    return names[: max(20, n_tools // 6)]


def generate_pool(n_tools: int, seed: int = 0) -> list[dict[str, object]]:
    """`n_tools` tool specs (toolspec dicts) with 3 inputs and 2 outputs each."""
    rng = random.Random(seed)
    ents = entities(n_tools)
    kinds = list(KINDS)
    tools: list[dict[str, object]] = []
    for i in range(n_tools):
        e = ents[i % len(ents)]
        other = ents[rng.randrange(len(ents))]
        verb = VERBS[(i // len(ents)) % len(VERBS)]
        slug = e.replace(" ", "_")

        def param(ent: str, kind: str) -> tuple[str, dict[str, str]]:
            typ, desc = KINDS[kind]
            code = "".join(w[0] for w in ent.split()).upper()
            return f"{ent.split()[-1]}_{kind}", {"type": typ, "description": desc.format(e=ent, code=code)}

        inputs = dict([param(other, "id"), param(e, rng.choice(kinds)), param(e, rng.choice(kinds))])
        outputs = dict([param(e, "id"), param(e, rng.choice(kinds))])
        tools.append(
            {
                "type": "function",
                "function": {
                    "name": f"{verb}_{slug}_{i}",
                    "description": f"{verb.capitalize()} a {e}.",
                    "parameters": {"type": "object", "properties": inputs, "required": list(inputs)[:1]},
                },
                "returns": {"type": "object", "properties": outputs},
            }
        )
    return tools


def worker(args: argparse.Namespace) -> None:
    from toolmind.graph.build import build_graph
    from toolmind.graph.config import GraphConfig
    from toolmind.schema import ToolSpec

    tools = [ToolSpec.model_validate(t) for t in generate_pool(args.size)]
    cfg = GraphConfig(embedder=args.embedder, cache_dir=args.cache_dir, batch_size=args.batch_size)
    t0, c0 = time.perf_counter(), time.process_time()
    graph = build_graph(tools, cfg)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stats = graph.graph["stats"]
    out = {
        "size": args.size,
        "embedder": args.embedder,
        "seconds": round(seconds, 2),
        "cpu_s": round(cpu, 2),
        "search": graph.graph["search"],
        "embed_s": graph.graph["timing"]["embed"],
        "edges_s": graph.graph["timing"]["edges"],
        "peak_rss_mb": round(peak_kb / 1024),
        "params": stats["inputs"] + stats["outputs"],
        "texts": stats["texts"],
        "cache_hits": stats["cache_hits"],
        "edges": graph.number_of_edges(),
    }
    print(json.dumps(out))


def run_one(size: int, embedder: str, cache_dir: str, batch_size: int) -> dict[str, object]:
    cmd = [sys.executable, __file__, "--worker", "--size", str(size), "--embedder", embedder]
    cmd += ["--cache-dir", cache_dir, "--batch-size", str(batch_size)]
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"worker failed ({' '.join(cmd)}):\n{proc.stderr[-2000:]}")
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def default_pool_goals(n_chains: int, embedder: str, cache_dir: str) -> dict[str, object]:
    from toolmind.graph.build import build_graph
    from toolmind.graph.config import GraphConfig
    from toolmind.graph.sample import chain_stats, sample_chains
    from toolmind.tools.pool import load_default_pool

    graph = build_graph(load_default_pool(), GraphConfig(embedder=embedder, cache_dir=cache_dir))
    stats = chain_stats(sample_chains(graph, n_chains, seed=0), graph)
    return {"embedder": embedder, "edges": graph.number_of_edges(), **stats}


def _field_of(text: str) -> str:
    """The vocabulary field behind a default-pool parameter text (alias prefix and default removed)."""
    desc = text.split("description: ", 1)[1].rsplit(" type:", 1)[0]
    if ": " in desc and desc.index(": ") < 30:
        desc = desc.split(": ", 1)[1]
    return desc.split(" Defaults to")[0].strip()


def calibrate(embedder: str, cache_dir: str) -> None:
    """Precision/recall of output->input parameter pairs on the default pool, for thresholds and margins.

    Truth: both parameters use the same vocabulary field (strict: `start_date` -> `date` counts as wrong),
    so precision is a lower bound. Exact search, no type check, no top-k: the raw similarity criterion.
    """
    import numpy as np

    from toolmind.graph.embed import EmbeddingCache, embed_texts, make_embedder
    from toolmind.graph.params import input_params, output_params
    from toolmind.tools.pool import load_default_pool

    tools = load_default_pool()
    ins, outs = input_params(tools), output_params(tools)
    emb = make_embedder(embedder)
    vecs, _ = embed_texts(
        outs.text + ins.text, emb, EmbeddingCache(cache_dir, emb.name) if cache_dir else None
    )
    sim = vecs[: len(outs)] @ vecs[len(outs) :].T
    sim[np.asarray(outs.tool)[:, None] == np.asarray(ins.tool)[None, :]] = -1.0
    o_field = np.array([_field_of(t) for t in outs.text])
    i_field = np.array([_field_of(t) for t in ins.text])
    truth = o_field[:, None] == i_field[None, :]
    truth &= sim > -1.0
    best = np.minimum(sim.max(1, keepdims=True), sim.max(0, keepdims=True))
    print(f"\n{embedder}: {truth.sum()} true pairs among {len(outs)} outputs x {len(ins)} inputs")
    print(f"{'threshold':>9} {'margin':>6} {'precision':>9} {'recall':>6} {'pairs':>7}")
    grid = [0.40, 0.45, 0.50, 0.55, 0.62] if embedder == "lexical" else [0.65, 0.70, 0.75, 0.80, 0.85]
    for thr in grid:
        for margin in (1.0, 0.2, 0.1):
            pred = (sim >= thr) & (sim >= best - margin)
            tp = int((pred & truth).sum())
            print(
                f"{thr:>9} {margin:>6} {tp / max(int(pred.sum()), 1):>9.3f} {tp / truth.sum():>6.3f} {int(pred.sum()):>7}"
            )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="*", default=[1000, 5000, 20000], help="lexical pool sizes")
    p.add_argument(
        "--minilm-sizes", type=int, nargs="*", default=[1000], help="MiniLM pool sizes (slow on CPU)"
    )
    p.add_argument("--chains", type=int, default=1000, help="chains sampled for the default-pool goals")
    p.add_argument("--batch-size", type=int, default=128, help="MiniLM batch size")
    p.add_argument("--calibrate", action="store_true", help="threshold/margin sweep on the default pool only")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--size", type=int, help=argparse.SUPPRESS)
    p.add_argument("--embedder", help=argparse.SUPPRESS)
    p.add_argument("--cache-dir", default="", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        worker(args)
        return
    if args.calibrate:
        with tempfile.TemporaryDirectory(prefix="tm-emb-") as cache:
            for embedder in ("lexical", "minilm"):
                calibrate(embedder, cache)
        return

    rows = []
    for size in args.sizes:
        rows.append({**run_one(size, "lexical", "", args.batch_size), "cache": "-"})
        print(json.dumps(rows[-1]), flush=True)
    for size in args.minilm_sizes:
        with tempfile.TemporaryDirectory(prefix="tm-emb-") as cache:
            for state in ("cold", "warm"):
                rows.append({**run_one(size, "minilm", cache, args.batch_size), "cache": state})
                print(json.dumps(rows[-1]), flush=True)

    print(
        f"\n{'embedder':8} {'cache':5} {'tools':>6} {'params':>7} {'texts':>7} {'edges':>8} "
        f"{'search':6} {'embed s':>8} {'edges s':>8} {'total s':>8} {'CPU s':>7} {'peak RSS MB':>11}"
    )
    for r in rows:
        print(
            f"{r['embedder']:8} {r['cache']:5} {r['size']:>6} {r['params']:>7} {r['texts']:>7} {r['edges']:>8} "
            f"{r['search']:6} {r['embed_s']:>8} {r['edges_s']:>8} {r['seconds']:>8} {r['cpu_s']:>7} {r['peak_rss_mb']:>11}"
        )
    lex = {r["size"]: r for r in rows if r["embedder"] == "lexical"}
    if 5000 in lex and 20000 in lex:
        nlogn = 20000 * math.log(20000) / (5000 * math.log(5000))
        wall = float(str(lex[20000]["seconds"])) / float(str(lex[5000]["seconds"]))
        cpu = float(str(lex[20000]["cpu_s"])) / float(str(lex[5000]["cpu_s"]))
        print(f"\nlexical 5k -> 20k: wall x{wall:.2f}, CPU x{cpu:.2f} (n log n: x{nlogn:.2f}, n^2: x16)")

    with tempfile.TemporaryDirectory(prefix="tm-emb-") as cache:
        for embedder in ("lexical", "minilm"):
            if embedder == "minilm" and not args.minilm_sizes:
                continue
            g = default_pool_goals(args.chains, embedder, cache)
            print(
                f"default pool ({embedder}): {g['tools_total']} tools, {g['edges']} edges; {g['chains']} chains "
                f"seed 0: coverage {g['coverage']:.1%}, median length {g['length_median']}, "
                f"mean {g['length_mean']}, repeated {g['repeated_chain_rate']:.2%}, "
                f"with parallel steps {g['with_parallel_share']:.1%}"
            )
    load = os.getloadavg()[0]
    print(
        f"\nmachine: {os.cpu_count()} CPUs, load average {load:.1f} at the end; command: {' '.join([Path(sys.argv[0]).name, *sys.argv[1:]])}"
    )


if __name__ == "__main__":
    main()
