"""BFCL harness figures: time to score every category from existing outputs, and CPU generation throughput.

    .venv/bin/python benchmarks/bfcl_scoring.py                      # scoring + tiny random Qwen3 on CPU
    .venv/bin/python benchmarks/bfcl_scoring.py --model CKPT_DIR     # throughput of a real checkpoint
    .venv/bin/python benchmarks/bfcl_scoring.py --skip-generation

Scoring: oracle outputs for all 22 categories (5,106 entries) are written once (not timed), then
`score_run` is timed end to end: staging + function-name validation of every output, then the official
scorer in a fresh process of the scorer environment (goal: under 15 s). Generation: `--n` seeded
simple_python prompts through the official Qwen FC prompt and `TransformersGenerator` (batched greedy).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def bench_scoring(work: Path, repeats: int) -> None:
    from toolmind.eval.bfcl.data import ALL_CATEGORIES
    from toolmind.eval.bfcl.oracle import oracle_results
    from toolmind.eval.bfcl.results import append_results, open_run_dir, result_file
    from toolmind.eval.bfcl.score import score_run, stage_results

    run_dir = open_run_dir(work, "oracle", {})
    selection = {}
    for category in ALL_CATEGORIES:
        rows = oracle_results(category)
        append_results(result_file(run_dir, category), rows)
        selection[category] = [r["id"] for r in rows]
    n = sum(len(v) for v in selection.values())
    start = time.perf_counter()
    stage_results(run_dir, work / "stage-only", selection)
    stage_s = time.perf_counter() - start
    totals = []
    for _ in range(repeats):
        scored = score_run(run_dir, work, selection, partial=False)
        totals.append(scored.seconds)
    correct = sum(s.correct for s in scored.scores.values())
    print(
        f"scoring: {len(selection)} categories, {n} entries ({correct} correct, official overall "
        f"{100 * (scored.official_overall or 0):.2f}%)"
    )
    print(f"  staging + name validation: {stage_s:.2f} s")
    print(
        f"  score_run total (validation + official scorer, fresh process): "
        f"{min(totals):.2f} s best / {sum(totals) / len(totals):.2f} s mean of {repeats}"
    )


def bench_generation(model: str | None, n: int, batch_size: int, max_new_tokens: int, work: Path) -> None:
    from transformers import AutoTokenizer

    from toolmind.eval.bfcl.data import load_questions, sample_ids
    from toolmind.eval.bfcl.generators import GenRequest, TransformersGenerator
    from toolmind.eval.bfcl.prompt import format_prompt, prepare_entry

    if model is None:
        from toolmind.testing.tiny_qwen3 import build_tiny_qwen3

        model = str(build_tiny_qwen3(work / "tiny_qwen3"))
        label = "tiny random Qwen3 (hidden 64, 2 layers)"
    else:
        label = model
    ids = set(sample_ids("simple_python", n, 0))
    entries = [prepare_entry(e) for e in load_questions("simple_python") if e["id"] in ids]
    requests = [
        GenRequest(e["question"][0], e["function"], format_prompt(e["question"][0], e["function"]))
        for e in entries
    ]
    gen = TransformersGenerator(model, max_new_tokens=max_new_tokens)
    tok = AutoTokenizer.from_pretrained(model)
    gen.generate(requests[:1])  # warm-up
    start = time.perf_counter()
    outs = []
    for i in range(0, len(requests), batch_size):
        outs += gen.generate(requests[i : i + batch_size])
    secs = time.perf_counter() - start
    prompt_tokens = sum(len(tok(r.prompt)["input_ids"]) for r in requests)
    new_tokens = sum(len(tok(o.text)["input_ids"]) for o in outs)
    print(f"generation ({label}, CPU, batch {batch_size}, max_new_tokens {max_new_tokens}):")
    print(
        f"  {len(requests)} simple_python prompts ({prompt_tokens / len(requests):.0f} prompt tokens avg) in "
        f"{secs:.2f} s: {len(requests) / secs:.2f} prompts/s, {new_tokens / secs:.1f} new tokens/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--model", help="checkpoint dir for the throughput figure (default: tiny random Qwen3)"
    )
    parser.add_argument("--n", type=int, default=16, help="prompts for the throughput figure")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3, help="scoring repetitions")
    parser.add_argument("--skip-generation", action="store_true")
    parser.add_argument("--skip-scoring", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_scoring:
            bench_scoring(Path(tmp) / "scoring", args.repeats)
        if not args.skip_generation:
            bench_generation(args.model, args.n, args.batch_size, args.max_new_tokens, Path(tmp))


if __name__ == "__main__":
    main()
