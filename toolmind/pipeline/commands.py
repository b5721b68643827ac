"""`toolmind pipeline` and `toolmind ablate` (argument definitions only)."""

from __future__ import annotations

import argparse
import json
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "pipeline",
        help="run every stage: tools → graph → chains → synthesis → filters → dataset → SFT → evals → report",
    )
    p.add_argument("--config", required=True, help="pipeline recipe, e.g. recipes/pipelines/demo.yaml")
    p.add_argument(
        "--from", dest="from_stage", help="rerun from this stage (its outputs and later are redone)"
    )
    p.add_argument("--only", help="comma-separated stages to run (others must be finished already)")
    p.add_argument("--run-dir", help="override the config's run_dir")
    p.add_argument("--dry-run", action="store_true", help="resolve every stage's command; run nothing")
    p.set_defaults(func=_pipeline)

    a = sub.add_parser("ablate", help="filter-stage ablation: same data and budget, filter settings compared")
    a.add_argument("--config", required=True, help="ablation recipe, e.g. recipes/ablations/filters.yaml")
    a.add_argument("--dry-run", action="store_true", help="resolve every row's stages; run nothing")
    a.set_defaults(func=_ablate)


def _pipeline(args: argparse.Namespace) -> int:
    from toolmind.pipeline.config import load_pipeline_config
    from toolmind.pipeline.lock import RunLockedError
    from toolmind.pipeline.pipeline import plan, run_pipeline

    overrides = {"run_dir": args.run_dir} if args.run_dir else {}
    cfg = load_pipeline_config(args.config, overrides)
    if args.dry_run:
        sys.stdout.write(json.dumps(plan(cfg), indent=2) + "\n")
        return 0
    only = args.only.split(",") if args.only else None
    try:
        report = run_pipeline(cfg, from_stage=args.from_stage, only=only)
    except RunLockedError as e:
        sys.stderr.write(f"error: {e}\n")
        return 1
    sys.stdout.write(f"report: {report}\n")
    return 0


def _ablate(args: argparse.Namespace) -> int:
    from toolmind.pipeline.ablate import plan_ablation, run_ablation
    from toolmind.pipeline.config import load_ablation_config
    from toolmind.pipeline.lock import RunLockedError

    abl = load_ablation_config(args.config)
    if args.dry_run:
        sys.stdout.write(json.dumps(plan_ablation(abl), indent=2) + "\n")
        return 0
    try:
        table = run_ablation(abl)
    except RunLockedError as e:
        sys.stderr.write(f"error: {e}\n")
        return 1
    sys.stdout.write(table.read_text(encoding="utf-8"))
    return 0
