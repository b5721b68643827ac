"""The demo's data at more training compute: is the simple_python + multiple goal a matter of budget?

Trains SmolLM2-135M on a finished demo run's data with the demo's recipe and with larger budgets, then
scores each model on whole BFCL-v4 categories (not the demo's sample of 15) with the official scorer,
and prints correct/total per category, the failure kinds that move, and the training seconds.

    rm -rf runs/demo && .venv/bin/toolmind pipeline --config recipes/pipelines/demo.yaml   # the data, once
    .venv/bin/python benchmarks/demo_compute.py --device cuda --runs demo,x9                 # ~7 min on an H200

A GPU machine without the scorer environment (offline: the scorer installs bfcl-eval into `.venv-bfcl`)
trains and generates only; copy `--out` back and score there:

    python benchmarks/demo_compute.py --device cuda --runs demo,x9 --phase generate   # on the GPU machine
    python benchmarks/demo_compute.py --runs demo,x9 --phase score                    # here, no model needed

Budgets (`--runs`): `demo` is the recipe as it is (150 steps of all 30 layers, the replies to tool results
unlabelled; until 2026-12-06 the top 20 layers, replies labelled); `x3` one epoch (one step per training
conversation, batch 1: 451 steps on the demo's 451, ~3x the demo's compute); `x9` three epochs (1353
steps there, ~9x). `x3` and `x9` train every layer and otherwise keep the recipe. The steps follow the
data's size, so the budgets keep their meaning on other data. On the 2-core CPU `demo` takes ~12 min of
training and `x9` ~90 min, so run the larger ones on a GPU (`--device cuda`: bf16 autocast with fp32
master weights, as on the CPU).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

RECIPE = "recipes/SmolLM2-135M/sft/config_demo.yaml"
# Budget -> (epochs over the training conversations, or None for the recipe's own steps; recipe overrides).
BUDGETS: dict[str, tuple[int | None, dict[str, str]]] = {
    "demo": (None, {}),
    "x3": (1, {"train_top_layers": "None"}),
    "x9": (3, {"train_top_layers": "None"}),
}
CATEGORIES = "simple_python,multiple,irrelevance"
# The failure kinds that separate "learns the arguments" from "learns when to call" (see recipes/README.md).
KINDS = {
    "no call or two calls": ("simple_function_checker:wrong_count", "multiple_function_checker:wrong_count"),
    "required value left out": ("simple_function_checker:missing_required",),
    "mentioned optional value left out": ("simple_function_checker:missing_optional",),
    "string value wrong": ("value_error:string",),
}


def run(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="runs/demo/data", help="a finished demo run's data stage")
    ap.add_argument("--base", default="runs/demo/base_model", help="the converted SmolLM2 checkpoint")
    ap.add_argument("--out", default="runs/demo-compute")
    ap.add_argument("--runs", default="demo,x9", help=f"comma-separated, of {', '.join(BUDGETS)}")
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--batch-size", type=int, default=64, help="BFCL generation batch (16 on a CPU)")
    ap.add_argument(
        "--phase",
        choices=["all", "generate", "score"],
        default="all",
        help="all: train, generate, score; generate: train and generate only (no scorer needed); "
        "score: score what `generate` left in --out (no training, no model)",
    )
    ap.add_argument("--steps", type=int, help="smoke test: this many steps for every budget")
    ap.add_argument("--sample", type=int, help="smoke test: a seeded sample of N per category")
    args = ap.parse_args()

    cli = [sys.executable, "-m", "toolmind.cli"]
    names = args.runs.split(",")
    unknown = [name for name in names if name not in BUDGETS]
    if unknown:
        ap.error(f"--runs: unknown budget(s) {', '.join(unknown)}; known: {', '.join(BUDGETS)}")
    selection = ["--categories", CATEGORIES] + (["--sample", str(args.sample)] if args.sample else [])
    if args.phase != "score":
        train_file = Path(args.data) / "train.jsonl"
        if not train_file.is_file():
            ap.error(f"--data: {train_file} not found (run the demo pipeline first)")
        with train_file.open(encoding="utf-8") as fh:
            conversations = sum(1 for line in fh if line.strip())
        for name in names:
            train(cli, args, name, conversations, selection)
    if args.phase == "generate":
        print(f"generated into {args.out}; score it with --phase score --out {args.out} --runs {args.runs}")
        return
    rows = []
    for name in names:
        bfcl = Path(args.out) / name / "bfcl"
        if args.phase == "score":
            found = sorted((bfcl / "results").glob("*/"))  # the one model this budget trained
            if len(found) != 1:
                ap.error(f"{bfcl / 'results'}: expected one result folder, found {len(found)}")
            run([*cli, "eval", "bfcl", "--results", str(found[0]), "--out", str(bfcl), *selection])
        report = json.loads((bfcl / "report.json").read_text(encoding="utf-8"))
        train_s = json.loads((Path(args.out) / name / "train.json").read_text())["seconds"]
        rows.append((name, train_s, report["categories"]))
    print_table(rows)


def train(
    cli: list[str], args: argparse.Namespace, name: str, conversations: int, selection: list[str]
) -> None:
    """Train one budget and generate its BFCL outputs (and score them unless --phase generate)."""
    model, bfcl = Path(args.out) / name / "model", Path(args.out) / name / "bfcl"
    epochs, overrides = BUDGETS[name]
    sets = {
        "model_name_or_path": args.base,
        "dataset_path": args.data,
        "output_dir": str(model),
        "save_strategy": "no",
        **({"use_cpu": "false"} if args.device != "cpu" else {}),
        **overrides,
        **({"max_steps": str(epochs * conversations)} if epochs else {}),  # batch 1: a step each
        **({"max_steps": str(args.steps)} if args.steps else {}),
    }
    train_argv = [*cli, "train", "--config", RECIPE]
    for key, value in sets.items():
        train_argv += ["--set", f"{key}={value}"]
    seconds = run(train_argv)
    (Path(args.out) / name / "train.json").write_text(json.dumps({"seconds": seconds, "set": sets}))
    run(
        [*cli, "eval", "bfcl", "--model", str(model), "--out", str(bfcl), *selection]
        + ["--max-new-tokens", "128", "--batch-size", str(args.batch_size), "--thinking"]
        + ["--device", args.device, "--dtype", "float32"]
        + (["--generate-only"] if args.phase == "generate" else [])
    )


def print_table(rows: list[tuple[str, float, dict]]) -> None:
    cats = CATEGORIES.split(",")
    print("| budget | train s | " + " | ".join(cats) + " | simple_python + multiple |")
    print("|---" * (len(cats) + 3) + "|")
    empty = {"correct": 0, "total": 0, "error_types": {}}
    for name, train_s, scores in rows:
        cells = [f"{scores[c]['correct']}/{scores[c]['total']}" if c in scores else "not run" for c in cats]
        got = [scores.get(c, empty) for c in cats[:2]]
        calls = sum(s["correct"] for s in got), sum(s["total"] for s in got)
        print(f"| {name} | {train_s:.0f} | " + " | ".join(cells) + f" | {calls[0]}/{calls[1]} |")
    print("\nfailure kinds (simple_python + multiple):")
    for name, _, scores in rows:
        kinds = {
            label: sum(scores.get(c, empty)["error_types"].get(k, 0) for c in cats[:2] for k in types)
            for label, types in KINDS.items()
        }
        print(f"  {name}: " + ", ".join(f"{label} {n}" for label, n in kinds.items()))


if __name__ == "__main__":
    main()
