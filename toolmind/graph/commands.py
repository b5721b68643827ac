"""`toolmind graph` subcommands (argument definitions only; heavy imports inside the functions)."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("graph", help="build the function graph of a tool pool and sample tool chains")
    gsub = p.add_subparsers(dest="graph_command", required=True, metavar="SUBCOMMAND")

    b = gsub.add_parser("build", help="embed parameters, link outputs to inputs, write DIR/graph.json")
    b.add_argument(
        "--tools", help="tool file or folder (JSONL/JSON, any importer format); default: embedded pool"
    )
    b.add_argument(
        "--format", dest="fmt", help="input format (toolspec, openai, xlam, toolace, glaive, sharegpt)"
    )
    b.add_argument("--out", required=True, help="output folder (graph.json + manifest.json)")
    b.add_argument("--config", help="YAML recipe with a `graph:` section (e.g. recipes/graph/default.yaml)")
    b.add_argument("--embedder", choices=["minilm", "lexical"], help="parameter embedder (default minilm)")
    b.add_argument("--threshold", type=float, help="cosine threshold (default: per embedder)")
    b.add_argument("--margin", type=float, help="relative margin to the best match (default: per embedder)")
    b.add_argument("--top-k", type=int, help="inputs linked per output parameter")
    b.add_argument("--cache-dir", help="embedding cache folder ('' disables)")
    b.add_argument("--search", choices=["auto", "exact", "ivf"], help="similarity search (default auto)")
    b.add_argument("--device", help="MiniLM device: cpu, cuda, ... (default auto)")
    b.add_argument(
        "--complete",
        choices=["rules", "llm", "off"],
        default="rules",
        help="fill missing parameter types/descriptions and returns schemas (llm: with --llm-model)",
    )
    b.add_argument("--llm-score", action="store_true", help="score candidate edges 0-9 with an LLM")
    b.add_argument("--llm-cutoff", type=int, help="drop edges the LLM scores below this (default 5)")
    b.add_argument(
        "--llm-kind",
        choices=["litellm", "transformers", "scripted"],
        default="scripted",
        help="LLM backend for --llm-score / --complete llm (scripted: similarity-based scores)",
    )
    b.add_argument("--llm-model", help="model for the LLM backend (e.g. openai/gpt-4o-mini)")
    b.add_argument("--llm-api-base", help="base URL of an OpenAI-compatible server")
    b.set_defaults(func=build_command)

    s = gsub.add_parser("sample", help="sample chains (random walks) from a graph as JSONL")
    s.add_argument("--graph", required=True, help="graph folder written by `graph build` (or its graph.json)")
    s.add_argument("--n", type=int, required=True, help="number of chains")
    s.add_argument("--seed", type=int, default=0, help="random seed (same seed -> same chains)")
    s.add_argument("--out", required=True, help="output JSONL file (one chain per line)")
    s.add_argument("--config", help="YAML recipe with a `chains:` section")
    s.add_argument("--min-length", type=int, help="shortest chain (default 5)")
    s.add_argument("--max-length", type=int, help="longest chain (default 20)")
    s.add_argument("--max-visits", type=int, help="per-tool cap over all chains (0 = auto)")
    s.set_defaults(func=sample_command)


def _override(cfg: Any, **values: Any) -> None:
    for key, value in values.items():
        if value is not None:
            setattr(cfg, key, value)


def _recipe(path: str | None) -> tuple[Any, Any]:
    """`load_recipe`, its errors (which name the file and field) as a message instead of a traceback."""
    from toolmind.graph.run import load_recipe

    try:
        return load_recipe(path)
    except ValueError as exc:
        raise SystemExit(str(exc)) from exc


def _backend(args: argparse.Namespace, purpose: str) -> Any:
    from toolmind.llm.config import BackendConfig
    from toolmind.llm.factory import make_backend

    if args.llm_kind == "scripted":
        if purpose == "completion":
            return None  # the rules are the scripted completion
        from toolmind.graph.score import similarity_policy
        from toolmind.llm.scripted import ScriptedBackend

        return ScriptedBackend(similarity_policy, "edge-similarity")
    if not args.llm_model:
        raise SystemExit(f"--llm-kind {args.llm_kind} needs --llm-model")
    return make_backend(BackendConfig(kind=args.llm_kind, model=args.llm_model, api_base=args.llm_api_base))


def build_command(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from toolmind.graph.run import run_build

    cfg, _ = _recipe(args.config)
    _override(
        cfg,
        embedder=args.embedder,
        threshold=args.threshold,
        margin=args.margin,
        top_k=args.top_k,
        cache_dir=args.cache_dir,
        search=args.search,
        device=args.device,
        llm_cutoff=args.llm_cutoff,
    )
    if args.llm_score:
        cfg.llm_score = True
    edge_backend = _backend(args, "edges") if cfg.llm_score else None
    completion_backend = _backend(args, "completion") if args.complete == "llm" else None
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, advance: int, total: int) -> None:
            if stage not in tasks:
                label = {"embed": "embedding parameters", "edges": "linking outputs -> inputs"}[stage]
                tasks[stage] = bar.add_task(label, total=total)
            bar.update(tasks[stage], advance=advance)

        def edge_progress(advance: int) -> None:
            if "score" not in tasks:
                tasks["score"] = bar.add_task("LLM edge scoring", total=None)
            bar.update(tasks["score"], advance=advance)

        manifest = run_build(
            args.out,
            cfg,
            args.tools,
            args.fmt,
            args.complete,
            completion_backend,
            edge_backend,
            progress,
            edge_progress,
        )
    table = Table(title=f"graph: {manifest['graph']}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    counts, timing = manifest["counts"], manifest["timing"]
    rows = [
        ("tools", counts["tools"]),
        ("input / output parameters", f"{counts['inputs']} / {counts['outputs']}"),
        (
            "embedder (threshold, margin)",
            f"{manifest['embedder']} ({manifest['threshold']}, {manifest['margin']})",
        ),
        ("embedding cache hits", f"{counts['cache_hits']} of {counts['texts']} texts"),
        ("edges", counts["edges"]),
        ("mean out-degree", counts["mean_out_degree"]),
        ("isolated tools", counts["isolated_tools"]),
        ("skipped on import", manifest["import"]["skipped"]),
        (
            "seconds (embed / edges / total)",
            f"{timing['embed_s']} / {timing['edges_s']} / {timing['total_s']}",
        ),
    ]
    if manifest["llm_scoring"]:
        sc = manifest["llm_scoring"]
        rows.append(("LLM-scored / dropped", f"{sc['scored']} / {sc['dropped']} ({sc['backend']})"))
    for key, value in rows:
        table.add_row(key, str(value))
    Console().print(table)
    return 0


def sample_command(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from toolmind.graph.run import run_sample

    _, cfg = _recipe(args.config)
    _override(cfg, min_length=args.min_length, max_length=args.max_length, max_visits=args.max_visits)
    with Progress(console=Console(stderr=True)) as bar:
        task = bar.add_task("sampling chains", total=args.n)
        try:
            _, manifest = run_sample(
                args.graph, args.out, args.n, args.seed, cfg, lambda k: bar.update(task, advance=k)
            )
        except ValueError as exc:  # the config against this graph (start_weights' globs): no traceback
            raise SystemExit(
                f"graph sample ({args.config or 'default config'}, {args.graph}): {exc}"
            ) from exc
    st = manifest["stats"]
    table = Table(title=f"chains: {args.out}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in [
        ("chains", st["chains"]),
        ("coverage (tools used)", f"{st['coverage']:.1%} ({st['tools_used']}/{st['tools_total']})"),
        (
            "length min / median / mean / max",
            f"{st['length_min']} / {st['length_median']} / {st['length_mean']} / {st['length_max']}",
        ),
        ("repeated-chain rate", f"{st['repeated_chain_rate']:.2%}"),
        ("chains with parallel steps", f"{st['with_parallel_share']:.1%}"),
        ("links per step", st["links_per_step"]),
    ]:
        table.add_row(key, str(value))
    hist = Table(title="length histogram")
    hist.add_column("length")
    hist.add_column("chains", justify="right")
    for length, count in st["length_histogram"].items():
        hist.add_row(str(length), str(count))
    console = Console()
    console.print(table)
    console.print(hist)
    return 0
