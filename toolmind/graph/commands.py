"""`toolmind graph` subcommands (argument definitions only; heavy imports inside the functions)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "graph", help="build the function graph and sample chains (not implemented yet: issue 3)"
    )
    p.set_defaults(func=_not_implemented)


def _not_implemented(args: argparse.Namespace) -> int:
    raise SystemExit("toolmind graph: not implemented yet (issue 3)")
