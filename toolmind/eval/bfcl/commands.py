"""`toolmind eval bfcl` (argument definitions only; heavy imports inside the functions)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bfcl",
        help="BFCL-v4: generate with a toolmind backend, score with the official scorer, write a report",
        description="Generate the missing BFCL-v4 outputs of a model (resumable), score them with the "
        "official bfcl-eval scorer in its own environment, and write OUT/report.json/.md/.png. "
        "`--model oracle` answers from the official possible answers.",
    )
    p.add_argument("--model", help="checkpoint dir, HF id, litellm model name, or 'oracle'")
    p.add_argument("--out", help="output folder (results/, score/, report.*)")
    p.add_argument("--config", help="YAML file with BFCLConfig fields (evals/bfcl_v4/*.yaml); flags override")
    p.add_argument(
        "--categories",
        help="comma-separated categories or collections (all, non_live, live, multi_turn, ...)",
    )
    p.add_argument("--backend", choices=["transformers", "litellm", "vllm"], help="generation backend")
    p.add_argument("--api-base", dest="api_base", help="litellm: base URL of an OpenAI-compatible server")
    p.add_argument(
        "--thinking", dest="thinking", action="store_true", default=None, help="thinking on (default)"
    )
    p.add_argument(
        "--no-thinking", dest="thinking", action="store_false", help="thinking off (empty think block)"
    )
    p.add_argument(
        "--max-new-tokens", dest="max_new_tokens", type=int, help="completion budget per step (4096)"
    )
    p.add_argument(
        "--batch-size", dest="batch_size", type=int, help="prompts/conversations per generation call"
    )
    p.add_argument("--sample", type=int, help="seeded sample of N entries per category")
    p.add_argument("--seed", type=int, help="seed of --sample")
    p.add_argument(
        "--web-search", dest="web_search", action="store_true", default=None, help="run web search"
    )
    p.add_argument(
        "--vector-memory", dest="vector_memory", action="store_true", default=None, help="run memory_vector"
    )
    p.add_argument(
        "--results",
        metavar="DIR",
        help="score the result folder DIR (OUT/results/<model-key>, e.g. generated on a GPU machine and "
        "copied here) without generating or loading the model; --model defaults to its manifest's",
    )
    p.add_argument(
        "--generate-only",
        dest="generate_only",
        action="store_true",
        default=None,
        help="generate the missing outputs and stop (no scorer needed: e.g. an offline GPU machine); "
        "score the result folder elsewhere with --results",
    )
    p.add_argument("--device", help="transformers: torch device")
    p.add_argument("--dtype", help="transformers: torch dtype")
    p.add_argument(
        "--compare",
        nargs="+",
        metavar="LABEL=REPORT",
        help="instead of evaluating: compare report.json files side by side into --out",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import logging
    import sys
    from pathlib import Path

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.compare:
        from toolmind.eval.bfcl.report import compare_reports

        if not args.out:
            raise SystemExit("toolmind eval bfcl --compare: --out is required")
        pairs = dict(item.split("=", 1) for item in args.compare)
        path = compare_reports({k: Path(v) for k, v in pairs.items()}, Path(args.out))
        sys.stdout.write(path.read_text())
        return 0

    import dataclasses

    import yaml

    from toolmind.eval.bfcl.runner import BFCLConfig, evaluate

    values: dict = {}
    if args.config:
        values.update(yaml.safe_load(Path(args.config).read_text()) or {})
    names = {f.name for f in dataclasses.fields(BFCLConfig)}
    unknown = set(values) - names
    if unknown:
        raise SystemExit(
            f"{args.config}: unknown field(s) {', '.join(sorted(unknown))}; valid: {', '.join(sorted(names))}"
        )
    values.update({k: v for k, v in vars(args).items() if k in names and v is not None})
    if values.get("results") and "model" not in values:
        from toolmind.eval.bfcl.results import read_manifest

        try:
            values["model"] = read_manifest(Path(values["results"]))["model"]
        except ValueError as exc:
            raise SystemExit(f"toolmind eval bfcl --results: {exc}") from exc
    if "model" not in values or "out" not in values:
        raise SystemExit("toolmind eval bfcl: --model and --out are required (flags or --config)")
    try:
        cfg = BFCLConfig(**values)
    except (TypeError, ValueError) as exc:
        raise SystemExit(f"toolmind eval bfcl: {exc}") from exc
    report = evaluate(cfg)
    if cfg.generate_only:
        skipped = "".join(f"  {c}: {why}\n" for c, why in report["not_run"].items())
        sys.stdout.write(
            f"generated {report['generated_entries']} entries in {report['generation_seconds']} s into "
            f"{report['result_dir']}\n{skipped}score them, here or on a machine with the scorer, with:\n"
            f"  toolmind eval bfcl --results {report['result_dir']} --out OUT --categories ...\n"
        )
        return 0
    from toolmind.eval.bfcl.report import markdown

    sys.stdout.write(markdown(report) + f"\nreport: {Path(values['out']) / 'report.json'}\n")
    return 0
