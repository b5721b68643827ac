"""`toolmind eval tau` (argument definitions only; heavy imports inside the command function)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "tau",
        help="τ²-bench (airline, retail, telecom): simulate, grade, pass^k",
        description="Score an agent on τ²-bench domains. Resumable: rerun with the same --out to continue.",
    )
    p.add_argument(
        "--domain",
        required=True,
        help="airline, retail or telecom; a comma list runs each into OUT/<domain>/ and writes the "
        "unweighted mean over domains to OUT/report.json",
    )
    p.add_argument(
        "--data-dir",
        default=None,
        help="τ² data directory (default: $TOOLMIND_TAU2_DATA or ../shared/benchmarks/tau2)",
    )
    p.add_argument("--split", default="base", help="split of split_tasks.json (base, test, train, ...)")
    p.add_argument(
        "--agent-model",
        default="oracle",
        help="'oracle', 'scripted:<policy>', a checkpoint dir, or a litellm model",
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
    p.add_argument("--trials", type=int, default=1, help="trials per task; pass^k for k = 1..trials")
    p.add_argument("--concurrency", type=int, default=4, help="episodes in flight")
    p.add_argument("--tasks", default=None, help="comma list of task ids to run (default: the whole split)")
    p.add_argument("--num-tasks", type=int, default=None, help="only the first N tasks of the split")
    p.add_argument("--max-steps", type=int, default=100, help="model turns per episode")
    p.add_argument("--max-errors", type=int, default=10, help="tool errors that end an episode")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument(
        "--dump-db", default=None, help="write each episode's final DB as <task_id>-<trial>.json here"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import logging
    from pathlib import Path

    from rich.console import Console

    from toolmind.eval.tau.data import DataError, default_data_dir
    from toolmind.eval.tau.orchestrator import EpisodeConfig
    from toolmind.eval.tau.report import combine_domains
    from toolmind.eval.tau.runner import TauRunConfig, run_tau

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    console = Console(highlight=False)
    domains = [d.strip() for d in args.domain.split(",") if d.strip()]
    data_dir = args.data_dir or str(default_data_dir())
    reports = []
    try:
        for domain in domains:
            out = Path(args.out) / domain if len(domains) > 1 else Path(args.out)
            dump = (
                (Path(args.dump_db) / domain if len(domains) > 1 else Path(args.dump_db))
                if args.dump_db
                else None
            )
            cfg = TauRunConfig(
                domain=domain,
                data_dir=data_dir,
                out=str(out),
                split=args.split,
                agent_model=args.agent_model,
                agent_api_base=args.agent_api_base,
                user_model=args.user_model,
                user_api_base=args.user_api_base,
                judge_model=args.judge_model,
                judge_api_base=args.judge_api_base,
                trials=args.trials,
                concurrency=args.concurrency,
                task_ids=args.tasks.split(",") if args.tasks else None,
                num_tasks=args.num_tasks,
                dump_db=str(dump) if dump else None,
                episode=EpisodeConfig(max_steps=args.max_steps, max_errors=args.max_errors),
            )
            report = asyncio.run(run_tau(cfg))
            reports.append(report)
            console.print(
                f"{domain}/{args.split}: pass^k {report['pass^k']} components {report['components']} "
                f"terminations {report['termination']} gold action errors {len(report['gold_action_errors'])} "
                f"-> {out / 'report.json'}",
                markup=False,
            )
    except (DataError, ValueError) as exc:
        Console(stderr=True).print(f"toolmind eval tau: error: {exc}", markup=False)
        return 2
    if len(reports) > 1:
        overall = combine_domains(Path(args.out), reports)
        console.print(
            f"overall (unweighted mean over {len(reports)} domains): pass^k {overall['pass^k']}", markup=False
        )
    return 0
