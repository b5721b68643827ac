"""SFT step time of the demo model on CPU: TRL's loss vs toolmind's labelled-position LM head, fp32 vs bf16,
full fine-tuning vs the top layers only.

Each mode is a real `python -m toolmind.train.sft` run of the demo recipe on the same data and steps; the
figures are the trainer's own `train_runtime` and token count. The machine is noisy: read the ratios.

    .venv/bin/toolmind train convert-smollm2 --out runs/demo/base_model      # once
    .venv/bin/python benchmarks/train_step.py --model runs/demo/base_model --data runs/demo/data --steps 12
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ROOT / "recipes/SmolLM2-135M/sft/config_demo.yaml"

MODES = {
    "TRL fused head, fp32": ["--labelled_head", "false", "--bf16", "false"],
    "TRL fused head, bf16 autocast": ["--labelled_head", "false", "--bf16", "true"],
    "labelled head, bf16 autocast": ["--labelled_head", "true", "--bf16", "true"],
    "labelled head, bf16, top 10 of 30 layers": [
        "--labelled_head",
        "true",
        "--bf16",
        "true",
        "--train_top_layers",
        "10",
    ],
}


def run(mode_args: list[str], model: str, data: str, steps: int, out: Path) -> dict[str, float]:
    argv = [
        sys.executable,
        "-m",
        "toolmind.train.sft",
        "--config",
        str(RECIPE),
        "--model_name_or_path",
        model,
        "--dataset_path",
        data,
        "--output_dir",
        str(out),
        "--max_steps",
        str(steps),
        "--save_strategy",
        "no",
        "--train_top_layers",
        "0",
        *mode_args,
    ]
    subprocess.run(argv, check=True, cwd=ROOT, capture_output=True)
    summary = json.loads((out / "toolmind_train.json").read_text())
    tokens = max(float(e.get("num_tokens", 0)) for e in summary["log_history"])
    seconds = float(summary["metrics"]["train_runtime"])
    losses = [e["loss"] for e in summary["log_history"] if "loss" in e]
    return {"seconds": seconds, "tokens": tokens, "first_loss": losses[0], "last_loss": losses[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="converted SmolLM2 checkpoint (or any causal LM dir)")
    parser.add_argument("--data", required=True, help="toolmind dataset dir (e.g. runs/demo/data)")
    parser.add_argument("--steps", type=int, default=12, help="optimizer steps per mode (batch 1)")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, mode_args) in enumerate(MODES.items()):
            results[name] = run(mode_args, args.model, args.data, args.steps, Path(tmp) / str(i))
    base = results["TRL fused head, fp32"]
    print(f"{args.steps} steps of batch 1 on {args.data} ({base['tokens']:.0f} tokens)")
    print(f"{'mode':44s} {'s/step':>7s} {'tokens/s':>9s} {'speed-up':>9s}  loss first -> last")
    for name, r in results.items():
        print(
            f"{name:44s} {r['seconds'] / args.steps:7.2f} {r['tokens'] / r['seconds']:9.0f} "
            f"{base['seconds'] / r['seconds']:8.2f}x  {r['first_loss']:.3f} -> {r['last_loss']:.3f}"
        )


if __name__ == "__main__":
    main()
