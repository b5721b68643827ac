"""τ² environment speed: tool-call steps/s, fresh-episode cost, and the time to run + grade a whole split
with the oracle agent (goal: retail `base` in under 30 s on a 2-core machine).

    .venv/bin/python benchmarks/tau_env.py [--data-dir DIR] [--domains airline,retail] [--repeat 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import tempfile
import time

from toolmind.eval.tau.data import default_data_dir
from toolmind.eval.tau.domain import load_domain
from toolmind.eval.tau.grading import replay_gold
from toolmind.eval.tau.runner import TauRunConfig, run_tau


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=str(default_data_dir()))
    ap.add_argument("--domains", default="airline,retail")
    ap.add_argument("--split", default="base")
    ap.add_argument("--repeat", type=int, default=20, help="passes over all gold actions for steps/s")
    args = ap.parse_args()
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, data {args.data_dir}")
    for name in args.domains.split(","):
        t0 = time.perf_counter()
        domain = load_domain(name, args.data_dir)
        load_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        domain.base_db.digests()
        digest_s = time.perf_counter() - t0
        tasks = domain.split(args.split)

        t0 = time.perf_counter()
        for _ in range(args.repeat):
            for task in tasks:
                domain.env(task)
        fresh_us = (time.perf_counter() - t0) / (args.repeat * len(tasks)) * 1e6

        steps = 0
        t0 = time.perf_counter()
        for _ in range(args.repeat):
            for task in tasks:
                env = domain.env(task)
                for action in task.gold_actions:
                    env.call(action.name, action.arguments, action.requestor)
                    steps += 1
        step_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        for task in tasks:
            gold, _ = replay_gold(domain, task)
            gold.db_hash()
        hash_ms = (time.perf_counter() - t0) / len(tasks) * 1e3

        with tempfile.TemporaryDirectory() as out:
            cfg = TauRunConfig(domain=name, data_dir=args.data_dir, out=out, split=args.split, concurrency=8)
            t0 = time.perf_counter()
            report = asyncio.run(run_tau(cfg, domain=domain))
            oracle_s = time.perf_counter() - t0
        print(
            f"{name:8s} load {load_s:.2f} s + base digests {digest_s:.2f} s | fresh episode env {fresh_us:.0f} µs | "
            f"tool calls {steps / step_s:,.0f} steps/s ({steps} calls) | gold replay + DB hash {hash_ms:.2f} ms/task"
        )
        print(
            f"{'':8s} oracle run + grading of {args.split} ({len(tasks)} tasks, report included): {oracle_s:.2f} s, "
            f"DB component {report['components'].get('db')}, pass^1 {report['pass^k']['1']}, "
            f"gold action errors {len(report['gold_action_errors'])}"
        )


if __name__ == "__main__":
    main()
