"""`toolmind eval tau` (argument definitions only; heavy imports inside the command function)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "tau",
        help="τ²-bench (airline, retail, telecom): simulate, grade, pass^k",
        description="Score an agent on τ²-bench domains. Resumable: rerun with the same --out to continue. "
        "Settings come from --config (a YAML recipe, see evals/tau2/) and the flags below (flags win).",
    )
    p.add_argument("--config", default=None, help="YAML recipe with TauRunConfig fields (evals/tau2/*.yaml)")
    p.add_argument(
        "--domain",
        default=None,
        help="airline, retail or telecom; a comma list runs each into OUT/<domain>/ and writes the "
        "unweighted mean over domains to OUT/report.json",
    )
    p.add_argument(
        "--data-dir",
        default=None,
        help="τ² data directory (default: $TOOLMIND_TAU2_DATA or ../shared/benchmarks/tau2)",
    )
    p.add_argument(
        "--split", default=None, help="split of split_tasks.json (base, test, train, ...; default base)"
    )
    p.add_argument(
        "--agent-model",
        default=None,
        help="'oracle' (default), 'scripted:<policy>', a checkpoint dir, or a litellm model",
    )
    p.add_argument("--agent-api-base", default=None, help="OpenAI-compatible base URL for the agent")
    p.add_argument(
        "--user-model",
        default=None,
        help="user simulator (litellm model); required unless the agent is the oracle",
    )
    p.add_argument("--user-api-base", default=None, help="OpenAI-compatible base URL for the user simulator")
    p.add_argument(
        "--judge-model",
        default=None,
        help="NL-assertion judge (litellm model); unset: NL assertions not evaluated",
    )
    p.add_argument("--judge-api-base", default=None, help="OpenAI-compatible base URL for the judge")
    p.add_argument(
        "--trials", type=int, default=None, help="trials per task; pass^k for k = 1..trials (default 1)"
    )
    p.add_argument("--concurrency", type=int, default=None, help="episodes in flight (default 4)")
    p.add_argument("--tasks", default=None, help="comma list of task ids to run (default: the whole split)")
    p.add_argument("--num-tasks", type=int, default=None, help="only the first N tasks of the split")
    p.add_argument("--max-steps", type=int, default=None, help="model turns per episode (default 100)")
    p.add_argument(
        "--max-errors", type=int, default=None, help="tool errors that end an episode (default 10)"
    )
    p.add_argument("--out", default=None, help="output directory")
    p.add_argument(
        "--dump-db", default=None, help="write each episode's final DB as <task_id>-<trial>.json here"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import dataclasses
    import logging
    from pathlib import Path

    from rich.console import Console

    from toolmind.eval.tau.data import DataError
    from toolmind.eval.tau.report import combine_domains
    from toolmind.eval.tau.runner import build_run_config, run_tau

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    console = Console(highlight=False)
    overrides = {
        "domain": args.domain,
        "data_dir": args.data_dir,
        "out": args.out,
        "split": args.split,
        "agent_model": args.agent_model,
        "agent_api_base": args.agent_api_base,
        "user_model": args.user_model,
        "user_api_base": args.user_api_base,
        "judge_model": args.judge_model,
        "judge_api_base": args.judge_api_base,
        "trials": args.trials,
        "concurrency": args.concurrency,
        "task_ids": args.tasks.split(",") if args.tasks else None,
        "num_tasks": args.num_tasks,
        "dump_db": args.dump_db,
        "max_steps": args.max_steps,
        "max_errors": args.max_errors,
    }
    try:
        cfg = build_run_config(args.config, overrides)
    except (DataError, ValueError, TypeError) as exc:
        Console(stderr=True).print(f"toolmind eval tau: error: {exc}", markup=False)
        return 2
    domains = [d.strip() for d in cfg.domain.split(",") if d.strip()]
    reports = []
    try:
        for domain in domains:
            multi = len(domains) > 1
            out = Path(cfg.out) / domain if multi else Path(cfg.out)
            dump = (Path(cfg.dump_db) / domain if multi else Path(cfg.dump_db)) if cfg.dump_db else None
            one = dataclasses.replace(cfg, domain=domain, out=str(out), dump_db=str(dump) if dump else None)
            report = asyncio.run(run_tau(one))
            reports.append(report)
            console.print(
                f"{domain}/{one.split}: pass^k {report['pass^k']} components {report['components']} "
                f"terminations {report['termination']} gold action errors {len(report['gold_action_errors'])} "
                f"-> {out / 'report.json'}",
                markup=False,
            )
    except (DataError, ValueError) as exc:
        Console(stderr=True).print(f"toolmind eval tau: error: {exc}", markup=False)
        return 2
    if len(reports) > 1:
        overall = combine_domains(Path(cfg.out), reports)
        console.print(
            f"overall (unweighted mean over {len(reports)} domains): pass^k {overall['pass^k']}", markup=False
        )
    return 0
