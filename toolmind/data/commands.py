"""`toolmind data` subcommands (argument definitions only; heavy imports inside the functions)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="dataset build, export and import (not implemented yet: issue 5)")
    p.set_defaults(func=_not_implemented)


def _not_implemented(args: argparse.Namespace) -> int:
    raise SystemExit("toolmind data: not implemented yet (issue 5)")
