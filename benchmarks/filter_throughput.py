"""Throughput of the rule stages of `toolmind filter` (goal: 10k trajectories in under 30 s on 2 cores).

Times `run_filter` end to end (read + validate JSONL, rule checks, turn masks, write kept/dropped, stats,
manifest) with stages `rules` and `turn_rules`. Input: `--in DIR` (e.g. a `toolmind synth` output, its
records repeated with fresh ids up to --n), or, without it, generated trajectories with realistic shape
(3-6 tools, 2-4 calls, 10-16 messages, some planted defects).

    .venv/bin/python benchmarks/filter_throughput.py --n 10000
    .venv/bin/python benchmarks/filter_throughput.py --n 10000 --in runs/synth
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from toolmind.filter.config import FilterConfig
from toolmind.filter.pipeline import run_filter


def _tool(name: str, params: dict[str, str]) -> dict:
    props = {p: {"type": t, "description": f"the {p}"} for p, t in params.items()}
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": f"{name} tool",
            "parameters": {"type": "object", "properties": props, "required": list(params)},
        },
    }


def generated(i: int, rng: random.Random) -> dict:
    tools = [
        _tool(f"tool_{k}_{i % 97}", {"city": "string", "count": "integer", "date": "string"})
        for k in range(rng.randint(3, 6))
    ]
    msgs: list[dict] = [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": f"Please help with task {i} in Paris on 2025-07-14."},
    ]
    for c in range(rng.randint(2, 4)):
        name = tools[c % len(tools)]["function"]["name"]
        args = {"city": "Paris", "count": c + 1, "date": "2025-07-14"}
        if rng.random() < 0.1:
            args["count"] = "three"  # a planted wrong type
        cid = f"c{i}-{c}"
        msgs.append(
            {
                "role": "assistant",
                "content": "",
                "reasoning_content": f"I need {name} for step {c}.",
                "tool_calls": [
                    {"id": cid, "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
                ],
            }
        )
        result = (
            {"error": "count must be an integer"}
            if args["count"] == "three"
            else {"ok": True, "items": [c, i]}
        )
        msgs.append({"role": "tool", "tool_call_id": cid, "content": json.dumps(result)})
        if c == 0:
            msgs.append({"role": "assistant", "content": "Step one is done. Shall I continue?"})
            msgs.append({"role": "user", "content": "Yes, go on."})
    msgs.append({"role": "assistant", "content": f"All done for task {i}."})
    msgs.append({"role": "user", "content": "Thanks! ###STOP###" if rng.random() > 0.05 else "Thanks."})
    return {"id": f"gen-{i}", "tools": tools, "messages": msgs, "meta": {"goal": f"task {i}"}}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=10000, help="trajectories to filter")
    parser.add_argument("--in", dest="in_dir", help="use (repeated) records of DIR/trajectories.jsonl")
    args = parser.parse_args()
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in"
        src.mkdir()
        if args.in_dir:
            base = [
                json.loads(line)
                for line in (Path(args.in_dir) / "trajectories.jsonl").read_text().splitlines()
                if line.strip()
            ]
            rows = [{**base[i % len(base)], "id": f"{base[i % len(base)]['id']}-r{i}"} for i in range(args.n)]
            source = f"{args.in_dir} ({len(base)} records, repeated)"
        else:
            rows = [generated(i, rng) for i in range(args.n)]
            source = "generated"
        with open(src / "trajectories.jsonl", "w") as fh:
            fh.writelines(json.dumps(r) + "\n" for r in rows)
        size_mb = (src / "trajectories.jsonl").stat().st_size / 1e6
        start = time.perf_counter()
        manifest = run_filter(src, Path(tmp) / "out", FilterConfig(stages=["rules", "turn_rules"]))
        seconds = time.perf_counter() - start
    stats = manifest["stats"]
    print(f"input: {source}, {args.n} trajectories, {size_mb:.1f} MB")
    print(f"rule stages (rules + turn_rules): {seconds:.2f} s -> {args.n / seconds:.0f} trajectories/s")
    print(
        f"kept {stats['kept']}, dropped {stats['dropped']}, masked-turn share {stats['masked_turn_share']:.2%}"
    )
    print(
        f"goal: 10k in < 30 s -> {'PASS' if seconds * 10000 / args.n < 30 else 'FAIL'} (scaled to 10k: {seconds * 10000 / args.n:.1f} s)"
    )


if __name__ == "__main__":
    main()
