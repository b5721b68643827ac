"""`toolmind filter` (argument definitions only; heavy imports inside the function)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "filter",
        help="two-stage quality filtering: drop bad trajectories, mask bad assistant turns",
        description="Reads IN/trajectories.jsonl; writes OUT/trajectories.jsonl (kept, labels updated), "
        "OUT/dropped.jsonl (with reasons) and OUT/manifest.json (per-stage stats). Re-running resumes.",
    )
    p.add_argument(
        "--in", dest="in_dir", required=True, help="input directory (or a trajectories .jsonl file)"
    )
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--config", help="YAML recipe of FilterConfig fields (e.g. recipes/filter/default.yaml)")
    p.add_argument(
        "--stages",
        nargs="+",
        help="stages to run (rules judge turn_rules turn_judge; comma or space separated); default: all",
    )
    p.add_argument("--no-trajectory-filter", action="store_true", help="skip the rules and judge stages")
    p.add_argument("--no-turn-filter", action="store_true", help="skip the turn_rules and turn_judge stages")
    p.add_argument("--judge-model", help="judge model: scripted:judge-v1 (default) or a litellm model name")
    p.add_argument("--judge-api-base", help="OpenAI-compatible endpoint of the judge model")
    p.add_argument("--judge-concurrency", type=int, help="judge requests in flight at once")
    p.add_argument("--cache-dir", help="directory of cached judge verdicts (default: OUT/judge_cache)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from toolmind.filter.config import TRAJECTORY_STAGES, TURN_STAGES, FilterConfig
    from toolmind.filter.pipeline import input_path, run_filter
    from toolmind.filter.report import stats_table

    config = FilterConfig.from_yaml(args.config) if args.config else FilterConfig()
    stages = list(config.stages)
    if args.stages:
        stages = [s for item in args.stages for s in item.split(",") if s]
    if args.no_trajectory_filter:
        stages = [s for s in stages if s not in TRAJECTORY_STAGES]
    if args.no_turn_filter:
        stages = [s for s in stages if s not in TURN_STAGES]
    overrides = {
        "judge_model": args.judge_model,
        "judge_api_base": args.judge_api_base,
        "judge_concurrency": args.judge_concurrency,
        "cache_dir": args.cache_dir,
    }
    fields = config.to_dict() | {k: v for k, v in overrides.items() if v is not None} | {"stages": stages}
    console = Console()
    try:
        config = FilterConfig(**fields)
        path = input_path(args.in_dir)
        total = None
        if path.exists():
            with open(path, encoding="utf-8") as fh:
                total = sum(1 for line in fh if line.strip())
        with Progress(
            TextColumn("filter"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console
        ) as bar:
            task = bar.add_task("filter", total=total)
            manifest = run_filter(args.in_dir, args.out, config, progress=lambda n: bar.advance(task, n))
    except (ValueError, FileNotFoundError) as exc:
        raise SystemExit(f"toolmind filter: {exc}") from exc
    console.print(stats_table(manifest))
    stats, inp = manifest["stats"], manifest["input"]
    console.print(
        f"kept {stats['kept']}/{stats['records']} trajectories, masked-turn share {stats['masked_turn_share']:.1%}, "
        f"{manifest['timing']['seconds']} s -> {args.out}"
    )
    if inp["bad_records"]:
        console.print(f"[yellow]{inp['bad_records']} bad input record(s) skipped; see manifest.json[/yellow]")
        for err in inp["errors"][:5]:
            console.print(f"  {err}")
    return 0
