"""The run's top-level `report.md`: what each stage did, and base vs fine-tuned scores side by side."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from toolmind.environment import describe, describe_machine
from toolmind.eval.bfcl.report import failures_line, wilson_interval
from toolmind.pipeline.runner import Stage, stage_record


def _read_json(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def bfcl_categories(report: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """{category: (correct, total)} from a BFCL `report.json`."""
    cats = report.get("categories", report)
    out: dict[str, tuple[int, int]] = {}
    for name, value in cats.items():
        if isinstance(value, dict) and "correct" in value and "total" in value:
            out[name] = (int(value["correct"]), int(value["total"]))
    return out


def _fmt(correct: int, total: int) -> str:
    lo, hi = wilson_interval(correct, total)
    return f"{correct}/{total} = {100 * correct / max(total, 1):.1f}% [{100 * lo:.0f}–{100 * hi:.0f}]"


def bfcl_side_by_side(reports: dict[str, dict[str, Any]], groups: dict[str, list[str]]) -> list[str]:
    """Markdown table: one row per category (+ pooled groups), one column per model."""
    per_model = {label: bfcl_categories(r) for label, r in reports.items()}
    categories = sorted({c for cats in per_model.values() for c in cats})
    labels = list(reports)
    lines = [
        "| category | " + " | ".join(labels) + " |",
        "|---|" + "---|" * len(labels),
    ]
    for cat in categories:
        cells = [_fmt(*per_model[label][cat]) if cat in per_model[label] else "not run" for label in labels]
        lines.append(f"| {cat} | " + " | ".join(cells) + " |")
    for group, members in groups.items():
        cells = []
        for label in labels:
            pairs = [per_model[label][m] for m in members if m in per_model[label]]
            if len(pairs) != len(members):
                cells.append("n/a")
                continue
            cells.append(_fmt(sum(c for c, _ in pairs), sum(t for _, t in pairs)))
        lines.append(f"| **{group}** | " + " | ".join(cells) + " |")
    return lines


def _manifest_summary(out: Path) -> str:
    manifest = _read_json(out / "manifest.json")
    parts: list[str] = []
    seen: set[str] = set()  # a figure two sections both report ("trajectories") is shown once
    for key in ("counts", "stats", "summary", "totals"):
        value = manifest.get(key)
        if isinstance(value, dict):
            flat = {k: v for k, v in value.items() if isinstance(v, int | float | str) and k not in seen}
            shown = list(flat.items())[:8]
            seen.update(k for k, _ in shown)
            parts += [f"{k}={round(v, 3) if isinstance(v, float) else v}" for k, v in shown]
    return ", ".join(parts)


def machine_lines(stages: list[Stage]) -> list[str]:
    """The report's section on the machines and software the stages ran on (their `.stage.json`
    records) and on the training run (`toolmind_train.json`); none when no stage has a record."""
    groups: dict[str, list[str]] = {}
    for stage in stages:
        record = stage_record(stage.out).get("machine")
        if isinstance(record, dict):
            groups.setdefault(describe_machine(record), []).append(stage.name)
    train = next((stage.out for stage in stages if stage.name == "train"), None)
    env = _read_json(train / "toolmind_train.json").get("environment") if train is not None else None
    if not groups and not isinstance(env, dict):
        return []
    lines = ["", "## Machine and software", ""]
    lines += [f"- {', '.join(names)}: {where}" for where, names in groups.items()]
    if isinstance(env, dict):
        lines.append(f"- training: {describe(env)}")
    lines += [
        "",
        "The same commit and config gave other data and another model on another machine (CPU, package "
        "versions): compare scores from the same machine and software.",
    ]
    return lines


def write_report(run_dir: Path, name: str, stages: list[Stage], settings: dict[str, Any]) -> Path:
    lines = [f"# toolmind run: {name}", ""]
    lines += ["## Stages", "", "| stage | what | seconds | summary |", "|---|---|---|---|"]
    for stage in stages:
        rec = stage_record(stage.out)
        secs = f"{rec['seconds']:.0f}" if rec else "not run"
        lines.append(f"| {stage.name} | {stage.description} | {secs} | {_manifest_summary(stage.out)} |")
    lines += machine_lines(stages)
    bfcl = {
        label: _read_json(run_dir / "eval" / f"bfcl-{label}" / "report.json")
        for label in ("base", "tuned")
        if (run_dir / "eval" / f"bfcl-{label}" / "report.json").exists()
    }
    if bfcl:
        any_report = next(iter(bfcl.values()))
        lines += [
            "",
            "## BFCL-v4 (official scorer)",
            "",
            f"bfcl-eval version: {any_report.get('bfcl_version', '?')}; "
            f"settings: {json.dumps(settings.get('bfcl', {}), sort_keys=True)}. "
            "Cells: correct/total = accuracy [95% Wilson interval].",
            "",
        ]
        lines += bfcl_side_by_side(bfcl, {"simple_python + multiple": ["simple_python", "multiple"]})
        for label, rep in bfcl.items():
            failures = [failures_line(c, v) for c, v in rep.get("categories", {}).items()]
            if any(failures):
                lines += ["", f"Failed entries of the {label} model by the official scorer's error type:", ""]
                lines += [f"- {line}" for line in failures if line]
    for path in sorted((run_dir / "eval").glob("tau-*/report.json")):
        rep = _read_json(path)
        lines += [
            "",
            f"## τ²-bench: {path.parent.name}",
            "",
            "```",
            json.dumps(
                {k: rep.get(k) for k in ("pass^k", "components", "user_model", "agent_model")}, indent=2
            ),
            "```",
        ]
    decontam = sorted(run_dir.glob("data/*decontam*"))
    if decontam:
        lines += ["", "## Decontamination", ""] + [f"- `{p.relative_to(run_dir)}`" for p in decontam]
    out = run_dir / "report.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out
