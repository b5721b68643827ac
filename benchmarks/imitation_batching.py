"""Mistake-imitation probe (`toolmind eval imitation`): batches in trajectory order vs by prompt length.

The probe's points are the call turns of held-out conversations, so in trajectory order one batch holds
a conversation's first turn beside its tenth and left padding fills the gap. Sorting the points by
prompt length before batching (what the probe does) cuts that padding. The figures: padded and real
prefill tokens, wall time of the same points both ways (as a ratio: the machine is noisy), and whether
the two orders classified every point alike (greedy fp32: they should, up to float summation order).

    .venv/bin/python benchmarks/imitation_batching.py --model runs/ablation-filter-errors/turn/train \\
        --trajectories runs/ablation-filter-errors/shared/probe-synth/trajectories.jsonl --n 48
"""

from __future__ import annotations

import argparse
import time

from toolmind.chat import parse
from toolmind.eval.imitation import ImitationConfig, classify, load_points
from toolmind.llm.base import ChatRequest
from toolmind.llm.transformers_backend import TransformersBackend


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--trajectories", required=True)
    ap.add_argument("--n", type=int, default=48, help="the first N probe points")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--max-new-tokens", type=int, default=128)
    args = ap.parse_args()

    cfg = ImitationConfig(model=args.model, trajectories=args.trajectories, out="unused")
    trajs, points, _ = load_points(cfg)
    points = points[: args.n]
    backend = TransformersBackend(args.model, batch_size=args.batch_size, enable_thinking=True)
    prompts = {}
    for p in points:
        traj = trajs[p.trajectory_id]
        request = ChatRequest(
            messages=traj.messages[: p.message_index], tools=traj.tools, enable_thinking=True
        )
        prompts[p.key] = backend.prompt(request)
    tokens = {k: len(backend.tokenizer(v, add_special_tokens=False)["input_ids"]) for k, v in prompts.items()}

    orders = {
        "trajectory order": list(points),
        "by prompt length": sorted(points, key=lambda p: len(prompts[p.key])),
    }
    results = {}
    for name, order in orders.items():
        batches = [order[i : i + args.batch_size] for i in range(0, len(order), args.batch_size)]
        padded = sum(max(tokens[p.key] for p in b) * len(b) for b in batches)
        start = time.perf_counter()
        outcomes = {}
        for batch in batches:
            texts = backend.generate_texts([prompts[p.key] for p in batch], args.max_new_tokens)
            for p, text in zip(batch, texts, strict=True):
                outcomes[p.key] = classify(parse(text), trajs[p.trajectory_id], p.expected_tools)
        results[name] = (padded, time.perf_counter() - start, outcomes)

    real = sum(tokens.values())
    print(
        f"{len(points)} probe points, batch {args.batch_size}, greedy, max {args.max_new_tokens} new tokens, "
        f"fp32 CPU; prompt tokens {min(tokens.values())}-{max(tokens.values())}, {real} in all"
    )
    print(f"{'order':>18} {'prefill tokens':>14} {'padding':>8} {'wall s':>7} {'time vs first':>13}")
    first_wall = next(iter(results.values()))[1]
    for name, (padded, wall, _) in results.items():
        print(
            f"{name:>18} {padded:>14} {100 * (padded - real) / padded:>7.0f}% {wall:>7.1f} {wall / first_wall:>12.2f}x"
        )
    a, b = (r[2] for r in results.values())
    print(f"same outcome at {sum(a[k] == b[k] for k in a)} of {len(a)} points")


if __name__ == "__main__":
    main()
