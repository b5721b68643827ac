"""`toolmind tools` subcommands (argument definitions only; heavy imports inside the functions)."""

from __future__ import annotations

import argparse

FORMAT_HELP = "toolspec, openai, xlam, toolace, glaive or sharegpt"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tools", help="tool pool: import, export and inspect tools")
    tsub = p.add_subparsers(dest="tools_command", required=True, metavar="SUBCOMMAND")

    i = tsub.add_parser("import", help="normalise tools from any supported format into toolspec JSONL")
    i.add_argument("--in", dest="src", required=True, help="input file or folder (.json/.jsonl)")
    i.add_argument("--format", dest="fmt", help=f"input format ({FORMAT_HELP}); default: detected per file")
    i.add_argument("--out", required=True, help="output JSONL of tool specs")
    i.add_argument(
        "--complete",
        choices=["rules", "off"],
        default="off",
        help="fill missing parameter types/descriptions and returns schemas from names and types",
    )
    i.add_argument("--show-skipped", type=int, default=20, help="list at most this many skipped tools")
    i.set_defaults(func=import_command)

    e = tsub.add_parser("export", help="write tool specs in another dataset format")
    e.add_argument("--in", dest="src", help="toolspec JSONL (default: the embedded pool)")
    e.add_argument("--format", dest="fmt", required=True, help=f"output format ({FORMAT_HELP})")
    e.add_argument("--out", required=True, help="output JSONL")
    e.set_defaults(func=export_command)

    s = tsub.add_parser("stats", help="counts of tools, parameters and types in a pool")
    s.add_argument("--tools", help="tool file or folder (default: the embedded pool)")
    s.add_argument("--format", dest="fmt", help=f"input format ({FORMAT_HELP})")
    s.set_defaults(func=stats_command)


def import_command(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from toolmind.tools.complete import complete_tools
    from toolmind.tools.io import load_tools, save_tools

    report = load_tools(args.src, args.fmt)
    tools = report.tools
    if args.complete == "rules":
        tools, _ = complete_tools(tools, None)
    n = save_tools(args.out, tools)
    console = Console()
    table = Table(title=f"imported {n} tools -> {args.out}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in report.summary().items():
        table.add_row(key, str(value))
    table.add_row("formats", ", ".join(sorted(set(report.formats.values()))))
    console.print(table)
    for source, reason in report.skipped[: args.show_skipped]:
        console.print(f"[yellow]skipped[/yellow] {source}: {reason}")
    if len(report.skipped) > args.show_skipped:
        console.print(f"... and {len(report.skipped) - args.show_skipped} more skipped")
    return 0 if n else 1


def export_command(args: argparse.Namespace) -> int:
    from rich.console import Console

    from toolmind.tools.io import export_tools, load_tools
    from toolmind.tools.pool import load_default_pool

    tools = load_tools(args.src, "toolspec").tools if args.src else load_default_pool()
    n = export_tools(args.out, tools, args.fmt)
    Console().print(f"wrote {len(tools)} tools in {n} {args.fmt} record(s) to {args.out}")
    return 0


def stats_command(args: argparse.Namespace) -> int:
    from collections import Counter

    from rich.console import Console
    from rich.table import Table

    from toolmind.tools.io import load_tools
    from toolmind.tools.pool import default_pool_domains, load_default_pool

    tools = load_tools(args.tools, args.fmt).tools if args.tools else load_default_pool()
    types: Counter[str] = Counter()
    n_params = n_required = n_returns = 0
    for tool in tools:
        props = tool.function.parameters.get("properties", {})
        n_params += len(props)
        n_required += len(tool.function.parameters.get("required", []))
        n_returns += bool(tool.returns and tool.returns.get("properties"))
        types.update("enum" if "enum" in p else str(p.get("type", "missing")) for p in props.values())
    table = Table(title="tool pool" if args.tools else "embedded default pool")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_row("tools", str(len(tools)))
    table.add_row("parameters (required)", f"{n_params} ({n_required})")
    table.add_row("tools with a returns schema", str(n_returns))
    for kind, count in types.most_common():
        table.add_row(f"  {kind} parameters", str(count))
    if not args.tools:
        domains = Counter(default_pool_domains().values())
        table.add_row("domains", str(len(domains)))
        for domain, count in sorted(domains.items()):
            table.add_row(f"  {domain}", str(count))
    Console().print(table)
    return 0
