"""τ² telecom: time to load the domain and initialise every task (goal: all 2,285 tasks in under 60 s on
the 2-core machine), tool-call steps/s over the gold agent + user actions, the oracle replay of a split
(gold actions run and graded), and the same split through the orchestrator (oracle agent + oracle user).

    .venv/bin/python benchmarks/tau_telecom.py [--data-dir DIR] [--split base] [--skip-orchestrator]
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
from toolmind.eval.tau.runner import TauRunConfig, run_tau
from toolmind.eval.tau.telecom.oracle import oracle_report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=str(default_data_dir()))
    ap.add_argument("--split", default="base", help="split replayed by the oracle and the orchestrator")
    ap.add_argument("--skip-orchestrator", action="store_true")
    args = ap.parse_args()
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, data {args.data_dir}")

    t0 = time.perf_counter()
    domain = load_domain("telecom", args.data_dir)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    init_actions = 0
    for task in domain.tasks:
        domain.env(task)
        init_actions += len(task.initial_state.initialization_actions or []) if task.initial_state else 0
    init_s = time.perf_counter() - t0
    total = load_s + init_s
    print(
        f"load (tasks.json, db.toml, user_db.toml, policy): {load_s:.2f} s; initialise all "
        f"{len(domain.tasks)} tasks ({init_actions} initialization actions): {init_s:.2f} s "
        f"({init_s / len(domain.tasks) * 1e3:.2f} ms/task)"
    )
    print(
        f"load + initialise all {len(domain.tasks)} tasks: {total:.2f} s (goal < 60 s: {'OK' if total < 60 else 'MISSED'})"
    )

    steps = 0
    t0 = time.perf_counter()
    for task in domain.tasks:
        env = domain.env(task)
        for action in task.gold_actions:
            env.call(action.name, action.arguments, action.requestor)
            steps += 1
    step_s = time.perf_counter() - t0
    print(f"gold actions of all tasks (fresh episode each): {steps} calls in {step_s:.2f} s")

    for split, tasks in (("full", domain.tasks), (args.split, domain.split(args.split))):
        t0 = time.perf_counter()
        report = oracle_report(domain, tasks)
        print(
            f"oracle replay + grading, {split} ({report['num_tasks']} tasks): {time.perf_counter() - t0:.2f} s, "
            f"passed {report['passed']}/{report['num_tasks']}, components {report['components']}, "
            f"gold action errors {len(report['gold_action_errors'])}"
        )

    if not args.skip_orchestrator:
        with tempfile.TemporaryDirectory() as out:
            cfg = TauRunConfig(
                domain="telecom", data_dir=args.data_dir, out=out, split=args.split, concurrency=8
            )
            t0 = time.perf_counter()
            rep = asyncio.run(run_tau(cfg, domain=domain))
            print(
                f"orchestrated oracle episodes, {args.split} ({rep['num_tasks']} tasks, report included): "
                f"{time.perf_counter() - t0:.2f} s, pass^1 {rep['pass^k']['1']}, terminations {rep['termination']}"
            )


if __name__ == "__main__":
    main()
