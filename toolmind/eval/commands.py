"""`toolmind eval` group: BFCL-v4 and tau2-bench (each benchmark owns its own subcommand module)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    from toolmind.eval.bfcl import commands as bfcl_commands
    from toolmind.eval.tau import commands as tau_commands

    p = sub.add_parser("eval", help="evaluate a model or checkpoint on BFCL-v4 or tau2-bench")
    evsub = p.add_subparsers(dest="benchmark", required=True, metavar="BENCHMARK")
    bfcl_commands.add_parser(evsub)
    tau_commands.add_parser(evsub)
