"""`toolmind synth` (argument definitions only; heavy imports inside the command function)."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "synth",
        help="play sampled tool chains out as multi-turn user/assistant/tool trajectories",
        description="Multi-agent synthesis: each chain becomes a user goal that user, assistant and tool agents "
        "play out. Writes OUT/trajectories.jsonl (append-only), OUT/failed.jsonl and OUT/manifest.json.",
    )
    p.add_argument("--config", required=True, help="synthesis recipe (YAML), e.g. recipes/synth/default.yaml")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--resume", action="store_true", help="continue a killed or partial run in OUT")
    p.add_argument("--limit", type=int, default=None, help="use only the first N chains")
    p.add_argument("--num-shards", type=int, default=1, help="split the chains into N shards (default 1)")
    p.add_argument("--shard-index", type=int, default=0, help="which shard this process runs (0-based)")
    p.add_argument("--chains", default=None, help="override the recipe's chains JSONL")
    p.add_argument("--seed", type=int, default=None, help="override the recipe's seed")
    p.add_argument("--concurrency", type=int, default=None, help="override the recipe's concurrency")
    p.set_defaults(func=run_synth)


def run_synth(args: argparse.Namespace) -> int:
    import asyncio

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.table import Table

    from toolmind.synth.config import load_config, validate_config
    from toolmind.synth.orchestrator import Outcome
    from toolmind.synth.runner import synthesize

    console = Console(stderr=True)
    cfg = load_config(args.config)
    if args.chains is not None:
        cfg.chains = args.chains
    if args.seed is not None:
        cfg.seed = args.seed
    if args.concurrency is not None:
        cfg.concurrency = args.concurrency
    validate_config(cfg, args.config)
    progress = Progress(
        TextColumn("[bold]synth"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("ok {task.fields[ok]} failed {task.fields[failed]} {task.fields[rate]:.1f}/s"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
    )
    task = progress.add_task("synth", total=None, ok=0, failed=0, rate=0.0)

    def on_event(kind: str, outcome: Outcome | None, total: int) -> None:
        t = progress.tasks[0]
        if kind == "start":
            progress.update(task, total=total)
            return
        ok = t.fields["ok"] + (kind == "done")
        failed = t.fields["failed"] + (kind == "failed")
        elapsed = t.elapsed or 1e-9
        progress.update(task, advance=1, ok=ok, failed=failed, rate=(ok + failed) / elapsed)

    try:
        with progress:
            result = asyncio.run(
                synthesize(
                    cfg,
                    args.out,
                    resume=args.resume,
                    limit=args.limit,
                    num_shards=args.num_shards,
                    shard_index=args.shard_index,
                    on_event=on_event,
                )
            )
    except (FileExistsError, ValueError) as exc:
        console.print(f"[red]toolmind synth: {exc}")
        return 2
    _print_summary(Console(), result.summary, result, Table)
    return 0 if result.summary.get("missing", 0) == 0 else 1


def _print_summary(console: Any, s: dict[str, Any], result: Any, table_cls: Any) -> None:
    table = table_cls(title=f"synthesis: {result.out}", show_header=False)
    n = max(s["trajectories"], 1)
    rows = [
        (
            "trajectories",
            f"{s['trajectories']} ({result.written} new, {result.resumed} from before, "
            f"{s.get('missing', 0)} missing)",
        ),
        ("time", f"{result.seconds:.1f} s ({result.written / max(result.seconds, 1e-9):.1f} trajectories/s)"),
        ("messages / trajectory", f"{s['messages_mean']}"),
        ("assistant turns", f"{s['assistant_turns']} ({s['no_call_turns']} without a call)"),
        (
            "tool calls",
            f"{s['tool_calls']} ({s['parallel_call_turns']} parallel turns, {s['tool_calls'] / n:.2f}/traj)",
        ),
        ("LLM calls", str(s["llm_calls"])),
        ("tokens", f"{s['prompt_tokens']} prompt + {s['completion_tokens']} completion"),
        ("cost", f"${s['cost_usd']:.4f}"),
        ("failures", ", ".join(f"{k}: {v}" for k, v in sorted(s["failures"].items())) or "none"),
        ("situations", ", ".join(f"{k} {v:.0%}" for k, v in s["situation_share"].items()) or "-"),
        (
            "injected errors",
            ", ".join(f"{k}: {v}" for k, v in sorted(s["injected_errors"].items())) or "none",
        ),
        (
            "trajectory defects",
            ", ".join(f"{k}: {v}" for k, v in sorted(s["injected_trajectory_defects"].items())) or "none",
        ),
        ("agents", ", ".join(s["backends"])),
    ]
    for key, value in rows:
        table.add_row(key, value)
    console.print(table)
