"""The dataset card (README.md): composition, filter statistics, build statistics and the config."""

from __future__ import annotations

from collections import Counter
from typing import Any

import yaml

from toolmind.schema import Trajectory


def composition(splits: dict[str, list[Trajectory]]) -> dict[str, Any]:
    """Counts that describe what is in the dataset."""
    allt = [t for ts in splits.values() for t in ts]
    sources: Counter[str] = Counter()
    situations: Counter[str] = Counter()
    for t in allt:
        backend = t.meta.get("backend")
        source = t.meta.get("source") or (f"synth ({backend})" if isinstance(backend, str) else "synth")
        if isinstance(backend, dict):
            source = "synth (" + ", ".join(f"{k}={v}" for k, v in sorted(backend.items())) + ")"
        sources[str(source)] += 1
        for s in t.meta.get("situations") or []:
            situations[str(s)] += 1
    turns = sum(len(t.labels) for t in allt)
    masked = sum(1 for t in allt for lab in t.labels if not lab.train)
    calls = sum(len(m.tool_calls or []) for t in allt for m in t.messages)
    n = max(1, len(allt))
    return {
        "splits": {name: len(ts) for name, ts in splits.items()},
        "sources": dict(sources.most_common()),
        "situations": dict(situations.most_common()),
        "messages_per_trajectory": round(sum(len(t.messages) for t in allt) / n, 2),
        "assistant_turns": turns,
        "masked_assistant_turns": masked,
        "masked_turn_share": round(masked / turns, 4) if turns else 0.0,
        "tool_calls": calls,
        "distinct_tools": len({tool.name for t in allt for tool in t.tools}),
    }


def _table(rows: dict[str, Any], head: tuple[str, str]) -> str:
    lines = [f"| {head[0]} | {head[1]} |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in rows.items()]
    return "\n".join(lines)


def _filter_table(stats: dict[str, Any]) -> str:
    lines = [
        "| stage | level | in | out | dropped | turns masked | reasons |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in stats.get("stages", []):
        masked = f"{row['turns_masked']}/{row['turns_in']}" if "turns_masked" in row else "-"
        reasons = row.get("mask_reasons") or row.get("drop_reasons") or {}
        text = ", ".join(f"{k} {v}" for k, v in reasons.items()) or "-"
        lines.append(
            f"| {row['stage']} | {row['level']} | {row['in']} | {row['out']} | {row['dropped']} | {masked} | {text} |"
        )
    return "\n".join(lines)


def render_card(
    name: str,
    splits: dict[str, list[Trajectory]],
    build_stats: dict[str, Any],
    config: dict[str, Any],
    filter_manifests: list[dict[str, Any]],
) -> str:
    """The README.md text with a Hub YAML header."""
    header = {
        "pretty_name": name,
        "license": "other",
        "task_categories": ["text-generation"],
        "tags": ["tool-use", "function-calling", "synthetic", "toolmind"],
        "configs": [
            {
                "config_name": "default",
                "data_files": [{"split": s, "path": f"data/{s}-*.parquet"} for s in splits],
            }
        ],
    }
    comp = composition(splits)
    parts = [
        "---\n" + yaml.safe_dump(header, sort_keys=False) + "---",
        f"# {name}",
        "Multi-turn tool-use conversations in the OpenAI `messages` + `tools` format with per-assistant-turn loss "
        "labels (`labels[i].train`; a masked turn stays in context but carries no loss), built by "
        "[toolmind](https://github.com/) (ToolMind method, arXiv 2511.15718). `tools`, tool-call `arguments` and "
        "`meta` are JSON strings: `json.loads(row['tools'])` before handing them to a chat template.",
        "## Composition",
        _table({k: v for k, v in comp.items() if not isinstance(v, dict)}, ("field", "value")),
        "### Splits\n\n" + _table(comp["splits"], ("split", "trajectories")),
        "### Sources\n\n" + _table(comp["sources"], ("source", "trajectories")),
    ]
    if comp["situations"]:
        parts.append("### Situations\n\n" + _table(comp["situations"], ("situation", "trajectories")))
    for manifest in filter_manifests:
        judge = manifest.get("judge", {}).get("model", "none")
        parts.append(f"## Filter statistics (judge: {judge})\n\n" + _filter_table(manifest.get("stats", {})))
    parts.append("## Build statistics\n\n" + _table(build_stats, ("step", "value")))
    parts.append("## Config\n\n```yaml\n" + yaml.safe_dump(config, sort_keys=False) + "```")
    parts.append(
        "## Loading\n\n```python\nimport json\nfrom datasets import load_dataset\n\n"
        'ds = load_dataset("parquet", data_files={"train": "data/train-*.parquet"})["train"]\n'
        'tools = json.loads(ds[0]["tools"])\n```'
    )
    return "\n\n".join(parts) + "\n"
