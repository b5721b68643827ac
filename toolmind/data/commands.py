"""`toolmind data` subcommands (argument definitions only; heavy imports inside the functions)."""

from __future__ import annotations

import argparse

EXPORT_FORMATS = ("trl", "sharegpt", "axolotl")
IMPORT_FORMATS = ("xlam", "apigen-mt", "toolace", "glaive", "when2call", "button", "hermes")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="dataset build, export and import")
    data_sub = p.add_subparsers(dest="data_command", required=True, metavar="SUBCOMMAND")

    b = data_sub.add_parser(
        "build",
        help="dedup, decontaminate, split and save filtered trajectories as a HF dataset with a card",
    )
    b.add_argument(
        "--in", dest="inputs", nargs="+", required=True, help="filter output folder(s) or .jsonl file(s)"
    )
    b.add_argument("--out", required=True, help="output folder")
    b.add_argument("--config", help="YAML recipe of BuildConfig fields (e.g. recipes/filter/build.yaml)")
    b.add_argument("--tau-data-dir", help="tau2-bench data folder (<domain>/tasks.json) for decontamination")
    b.add_argument("--bfcl-data-dir", help="BFCL-v4 data folder (default: the installed bfcl-eval package's)")
    b.add_argument("--no-decontaminate", action="store_true", help="skip the benchmark overlap check")
    b.add_argument("--validation-fraction", type=float, help="share of trajectories in the validation split")
    b.add_argument("--name", help="dataset name in the card")
    b.add_argument("--seed", type=int, help="salt of the train/validation split hash")
    b.add_argument("--push-to-hub", metavar="REPO_ID", help="push the result to the Hub (needs credentials)")
    b.set_defaults(func=run_build)

    e = data_sub.add_parser("export", help="write trajectories in a trainer's format, keeping per-turn masks")
    e.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    e.add_argument(
        "--in", dest="in_path", required=True, help="build or filter output folder, or a .jsonl file"
    )
    e.add_argument("--out", required=True, help="output folder")
    e.set_defaults(func=run_export)

    i = data_sub.add_parser("import", help="convert an open tool-use dataset file into toolmind trajectories")
    i.add_argument("--format", required=True, choices=IMPORT_FORMATS)
    i.add_argument("--in", dest="in_path", required=True, help="the dataset file (.jsonl or .json array)")
    i.add_argument("--out", required=True, help="output folder (OUT/trajectories.jsonl)")
    i.add_argument("--limit", type=int, help="import at most this many records")
    i.set_defaults(func=run_import)


def run_build(args: argparse.Namespace) -> int:
    from rich.console import Console

    from toolmind.data.build import build_dataset
    from toolmind.data.config import BuildConfig

    config = BuildConfig.from_yaml(args.config) if args.config else BuildConfig()
    overrides = {
        "tau_data_dir": args.tau_data_dir,
        "bfcl_data_dir": args.bfcl_data_dir,
        "validation_fraction": args.validation_fraction,
        "dataset_name": args.name,
        "push_to_hub": args.push_to_hub,
        "seed": args.seed,
    }
    fields = config.to_dict() | {k: v for k, v in overrides.items() if v is not None}
    if args.no_decontaminate:
        fields["decontaminate"] = False
    try:
        manifest = build_dataset(args.inputs, args.out, BuildConfig(**fields))
    except (ValueError, FileNotFoundError) as exc:
        raise SystemExit(f"toolmind data build: {exc}") from exc
    console = Console()
    for key, value in manifest["stats"].items():
        console.print(f"{key:>36}: {value}")
    console.print(f"dataset -> {args.out} (README.md, data/*.parquet, hf/, train.jsonl, validation.jsonl)")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from rich.console import Console

    from toolmind.data.exports import export_dataset

    try:
        manifest = export_dataset(args.in_path, args.out, args.format)
    except (ValueError, FileNotFoundError) as exc:
        raise SystemExit(f"toolmind data export: {exc}") from exc
    console = Console()
    for split, counts in manifest["splits"].items():
        console.print(
            f"{split}: {counts['trajectories']} trajectories -> {counts['rows']} {args.format} rows"
        )
    console.print(f"masks: {manifest['masks']}")
    if manifest["not_carried"]:
        console.print(f"[yellow]not carried by {args.format}: {manifest['not_carried']}[/yellow]")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from rich.console import Console

    from toolmind.data.imports import import_file

    try:
        manifest = import_file(args.in_path, args.format, args.out, args.limit)
    except (ValueError, FileNotFoundError) as exc:
        raise SystemExit(f"toolmind data import: {exc}") from exc
    console = Console()
    console.print(f"imported {manifest['imported']} {args.format} records -> {args.out}/trajectories.jsonl")
    if manifest["skipped"]:
        console.print(f"[yellow]skipped {manifest['skipped']} record(s):[/yellow]")
        for err in manifest["errors"][:10]:
            console.print(f"  {err}")
    return 0
