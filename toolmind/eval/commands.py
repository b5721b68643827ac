"""`toolmind eval` group: BFCL-v4 and tau2-bench (each benchmark owns its own subcommand module), and
the mistake-imitation probe on held-out synthesized conversations."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    from toolmind.eval.bfcl import commands as bfcl_commands
    from toolmind.eval.tau import commands as tau_commands

    p = sub.add_parser("eval", help="evaluate a model or checkpoint on BFCL-v4 or tau2-bench")
    evsub = p.add_subparsers(dest="benchmark", required=True, metavar="BENCHMARK")
    bfcl_commands.add_parser(evsub)
    tau_commands.add_parser(evsub)
    add_imitation_parser(evsub)
    add_decisions_parser(evsub)


def add_imitation_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "imitation",
        help="mistake imitation: how often a checkpoint makes the injected mistakes on held-out conversations",
        description="At every first-attempt call turn of held-out synthesized trajectories, generate one "
        "turn with the checkpoint and check it with the turn filter's schema rules (wrong tool, missing "
        "required argument, wrong type). Writes OUT/points.jsonl (resumable) and OUT/report.{json,md}.",
    )
    p.add_argument("--model", required=True, help="checkpoint directory (transformers)")
    p.add_argument("--trajectories", required=True, help="held-out synthesized trajectories.jsonl")
    p.add_argument(
        "--exclude",
        nargs="*",
        default=[],
        help="trajectories.jsonl of the training data: held-out goals found there are skipped",
    )
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument(
        "--thinking", dest="thinking", action="store_true", default=True, help="thinking on (default)"
    )
    p.add_argument("--no-thinking", dest="thinking", action="store_false", help="thinking off")
    p.add_argument("--max-new-tokens", dest="max_new_tokens", type=int, default=128)
    p.add_argument("--batch-size", dest="batch_size", type=int, default=16)
    p.add_argument("--max-points", dest="max_points", type=int, help="probe at most N points")
    p.add_argument("--device", default="cpu")
    p.add_argument("--dtype", default="float32")
    p.set_defaults(func=run_imitation)


def run_imitation(args: argparse.Namespace) -> int:
    import logging
    import sys

    from toolmind.eval.imitation import ImitationConfig, markdown, run_probe

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    cfg = ImitationConfig(
        model=args.model,
        trajectories=args.trajectories,
        exclude=args.exclude,
        out=args.out,
        thinking=args.thinking,
        max_new_tokens=args.max_new_tokens,
        batch_size=args.batch_size,
        max_points=args.max_points,
        device=args.device,
        dtype=args.dtype,
    )
    sys.stdout.write(markdown(run_probe(cfg)))
    return 0


def add_decisions_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "decisions",
        help="BFCL call-or-decline judgement free of the threshold: AUC, ROC points, an exact operating point",
        description="For every single-turn entry of a finished `toolmind eval bfcl` result folder of a "
        "local checkpoint, measure the call score (log-probability of answering with a call at once), "
        "report the AUC of entries that need a call over irrelevance entries and ROC points, and score "
        "(official scorer) the policy 'call iff the call score > t' at the lowest t whose irrelevance "
        "reaches the target; stored outputs are reused where they are that policy's answer. A "
        "diagnostic, not a BFCL score: t is chosen on the benchmark (docs/bfcl.md).",
    )
    p.add_argument("--model", required=True, help="the checkpoint directory that produced --results")
    p.add_argument(
        "--results",
        required=True,
        help="its result folder, OUT/results/<model-key>, or the `toolmind eval bfcl` OUT folder itself",
    )
    p.add_argument("--out", required=True, help="output folder (scores.jsonl is resumable)")
    p.add_argument(
        "--irrelevance-target",
        dest="irrelevance_target",
        type=float,
        default=0.8,
        help="irrelevance rate of the operating point (default 0.8, the demo's goal)",
    )
    p.add_argument("--batch-size", dest="batch_size", type=int, default=16)
    p.add_argument("--device", default="cpu")
    p.add_argument("--dtype", default="float32")
    p.set_defaults(func=run_decisions)


def run_decisions(args: argparse.Namespace) -> int:
    import logging
    import sys

    from toolmind.eval.bfcl.decisions import DecisionsConfig, markdown
    from toolmind.eval.bfcl.decisions import run_decisions as run

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        cfg = DecisionsConfig(
            model=args.model,
            results=args.results,
            out=args.out,
            irrelevance_target=args.irrelevance_target,
            batch_size=args.batch_size,
            device=args.device,
            dtype=args.dtype,
        )
        report = run(cfg)
    except ValueError as exc:
        raise SystemExit(f"toolmind eval decisions: {exc}") from exc
    sys.stdout.write(markdown(report))
    return 0
