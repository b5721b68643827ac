"""The demo's data at more training compute: is the simple_python + multiple goal a matter of budget?

Trains SmolLM2-135M on a finished demo run's data with the demo's recipe and with larger budgets, then
scores each model on whole BFCL-v4 categories (not the demo's sample of 15) with the official scorer,
and prints correct/total per category, the failure kinds that move, and the training seconds.

    rm -rf runs/demo && .venv/bin/toolmind pipeline --config recipes/pipelines/demo.yaml   # the data, once
    .venv/bin/python benchmarks/demo_compute.py --device cuda --runs demo,x9                 # ~7 min on an H200

Budgets (`--runs`): `demo` is the recipe as it is (150 steps, the top 20 layers); `x3` one epoch of all 30
layers (451 steps, ~3x the demo's compute); `x9` three epochs of all layers (1353 steps, ~9x). On the
2-core CPU `demo` takes ~10 min of training and `x9` ~90 min, so run the larger ones on a GPU
(`--device cuda`: bf16 autocast with fp32 master weights, as on the CPU).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

RECIPE = "recipes/SmolLM2-135M/sft/config_demo.yaml"
BUDGETS: dict[str, dict[str, str]] = {
    "demo": {},
    "x3": {"max_steps": "451", "train_top_layers": "None"},
    "x9": {"max_steps": "1353", "train_top_layers": "None"},
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
    ap.add_argument("--steps", type=int, help="smoke test: this many steps for every budget")
    ap.add_argument("--sample", type=int, help="smoke test: a seeded sample of N per category")
    args = ap.parse_args()

    cli = [sys.executable, "-m", "toolmind.cli"]
    rows = []
    for name in args.runs.split(","):
        model, bfcl = Path(args.out) / name / "model", Path(args.out) / name / "bfcl"
        sets = {
            "model_name_or_path": args.base,
            "dataset_path": args.data,
            "output_dir": str(model),
            "save_strategy": "no",
            **({"use_cpu": "false"} if args.device != "cpu" else {}),
            **BUDGETS[name],
            **({"max_steps": str(args.steps)} if args.steps else {}),
        }
        train_argv = [*cli, "train", "--config", RECIPE]
        for key, value in sets.items():
            train_argv += ["--set", f"{key}={value}"]
        train_s = run(train_argv)
        run(
            [*cli, "eval", "bfcl", "--model", str(model), "--out", str(bfcl), "--categories", CATEGORIES]
            + ["--max-new-tokens", "128", "--batch-size", str(args.batch_size), "--thinking"]
            + ["--device", args.device, "--dtype", "float32"]
            + (["--sample", str(args.sample)] if args.sample else [])
        )
        report = json.loads((bfcl / "report.json").read_text(encoding="utf-8"))
        rows.append((name, train_s, report["categories"]))

    cats = CATEGORIES.split(",")
    print("| budget | train s | " + " | ".join(cats) + " | simple_python + multiple |")
    print("|---" * (len(cats) + 3) + "|")
    for name, train_s, scores in rows:
        cells = [f"{scores[c]['correct']}/{scores[c]['total']}" for c in cats]
        calls = sum(scores[c]["correct"] for c in cats[:2]), sum(scores[c]["total"] for c in cats[:2])
        print(f"| {name} | {train_s:.0f} | " + " | ".join(cells) + f" | {calls[0]}/{calls[1]} |")
    print("\nfailure kinds (simple_python + multiple):")
    for name, _, scores in rows:
        kinds = {
            label: sum(scores[c]["error_types"].get(k, 0) for c in cats[:2] for k in types)
            for label, types in KINDS.items()
        }
        print(f"  {name}: " + ", ".join(f"{label} {n}" for label, n in kinds.items()))


if __name__ == "__main__":
    main()
