"""`toolmind eval tau` (argument definitions only; heavy imports inside the functions)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tau", help="tau benchmark (not implemented yet)")
    p.set_defaults(func=_not_implemented)


def _not_implemented(args: argparse.Namespace) -> int:
    raise SystemExit("toolmind eval tau: not implemented yet")
