"""The `toolmind` command: thin dispatch only.

Each area owns its subcommands in a light `commands.py` (argument definitions only; heavy imports happen
inside the command functions), and this module lists them explicitly.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from toolmind import __version__


def build_parser() -> argparse.ArgumentParser:
    from toolmind.data import commands as data_commands
    from toolmind.eval import commands as eval_commands
    from toolmind.filter import commands as filter_commands
    from toolmind.graph import commands as graph_commands
    from toolmind.pipeline import commands as pipeline_commands
    from toolmind.synth import commands as synth_commands
    from toolmind.tools import commands as tools_commands
    from toolmind.train import commands as train_commands

    parser = argparse.ArgumentParser(
        prog="toolmind",
        description="ToolMind end to end: tool graph -> synthesis -> filtering -> SFT -> BFCL / tau2 evaluation.",
    )
    parser.add_argument("--version", action="version", version=f"toolmind {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    tools_commands.add_parser(sub)
    graph_commands.add_parser(sub)
    synth_commands.add_parser(sub)
    filter_commands.add_parser(sub)
    data_commands.add_parser(sub)
    train_commands.add_parser(sub)
    eval_commands.add_parser(sub)
    pipeline_commands.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    # litellm otherwise tries to fetch its model cost map from the internet at import (REFERENCE §6).
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
