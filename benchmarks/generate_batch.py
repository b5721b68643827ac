"""BFCL generation time on CPU per batch size: the same prompts, greedy, the demo's token budget.

Greedy decoding of a small model on a CPU is memory-bound at small batches, so a larger batch costs little
more per step; padding (left) and an early-finishing row cost the rest. The figures are wall time and
generated tokens per second for each batch size, as a ratio to the first, and whether every batch size
decoded the same texts (it must: greedy, fp32). The machine is noisy: read the ratios.

    .venv/bin/toolmind train convert-smollm2 --out runs/demo/base_model      # once
    .venv/bin/python benchmarks/generate_batch.py --model runs/demo/base_model --n 16 --batch-sizes 1,8,16
"""

from __future__ import annotations

import argparse
import time

from toolmind.eval.bfcl.data import load_questions, sample_ids
from toolmind.eval.bfcl.generators import GenRequest, TransformersGenerator
from toolmind.eval.bfcl.prompt import format_prompt, prepare_entry


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--category", default="simple_python")
    ap.add_argument("--n", type=int, default=16, help="sampled entries (seed 0)")
    ap.add_argument("--batch-sizes", default="1,8,16")
    ap.add_argument("--max-new-tokens", type=int, default=128)
    args = ap.parse_args()

    ids = set(sample_ids(args.category, args.n, 0))
    entries = [prepare_entry(e) for e in load_questions(args.category) if e["id"] in ids]
    requests = [
        GenRequest(
            e["question"][0], e["function"], format_prompt(e["question"][0], e["function"], thinking=True)
        )
        for e in entries
    ]
    sizes = [int(b) for b in args.batch_sizes.split(",")]
    rows = []
    texts_by_size: dict[int, list[str]] = {}
    for size in sizes:
        gen = TransformersGenerator(args.model, max_new_tokens=args.max_new_tokens, batch_size=size)
        start = time.perf_counter()
        outs = []
        for i in range(0, len(requests), size):
            outs.extend(gen.generate(requests[i : i + size]))
        wall = time.perf_counter() - start
        tokens = sum(o.completion_tokens for o in outs)
        texts_by_size[size] = [o.text for o in outs]
        rows.append((size, wall, tokens))
    base_wall = rows[0][1]
    print(f"{len(requests)} {args.category} prompts, greedy, max {args.max_new_tokens} new tokens, fp32 CPU")
    print(f"{'batch':>5} {'wall s':>8} {'tokens':>7} {'tok/s':>7} {'time vs first':>13} {'same texts':>10}")
    for size, wall, tokens in rows:
        same = texts_by_size[size] == texts_by_size[sizes[0]]
        print(
            f"{size:>5} {wall:>8.1f} {tokens:>7} {tokens / wall:>7.1f} {wall / base_wall:>12.2f}x {same!s:>10}"
        )


if __name__ == "__main__":
    main()
