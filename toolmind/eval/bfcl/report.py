"""BFCL-v4 report: per-category figures with Wilson intervals, official overall, markdown, bar chart.

The overall follows the leaderboard (bfcl_eval ``eval_runner_helper``): non-live = mean of (mean of the
three simple categories), multiple, parallel, parallel_multiple; live = size-weighted mean of the four
live AST categories; irrelevance = mean of irrelevance and live_irrelevance; multi-turn = mean of the
four; agentic = mean of (web-search mean, memory mean); overall = 10/10/10/30/40 % of those. A category
that did not run counts 0 (``overall.v4``, with ``overall.missing`` listing them); ``overall.over_run``
applies the same formula to the categories that ran only (groups and members renormalised).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from toolmind.eval.bfcl.data import ALL_CATEGORIES, CATEGORY_SIZES, GROUP_WEIGHTS

_SIMPLE = ("simple_python", "simple_java", "simple_javascript")
_LIVE_AST = ("live_simple", "live_multiple", "live_parallel", "live_parallel_multiple")
_MULTI = ("multi_turn_base", "multi_turn_miss_func", "multi_turn_miss_param", "multi_turn_long_context")


def wilson_interval(correct: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (95% for z=1.96); (0, 1) when total is 0."""
    if total <= 0:
        return 0.0, 1.0
    p = correct / total
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _mean(values: list[float | None], *, skip_missing: bool) -> float | None:
    vals = [v for v in values if v is not None] if skip_missing else [v or 0.0 for v in values]
    return sum(vals) / len(vals) if vals else None


def _weighted(cats: tuple[str, ...], acc: dict[str, float], *, skip_missing: bool) -> float | None:
    chosen = [c for c in cats if c in acc or not skip_missing]
    total = sum(CATEGORY_SIZES[c] for c in chosen)
    return sum(acc.get(c, 0.0) * CATEGORY_SIZES[c] for c in chosen) / total if total else None


def group_scores(acc: dict[str, float], *, skip_missing: bool) -> dict[str, float | None]:
    """The five leaderboard groups from per-category accuracies (None: nothing of the group ran)."""
    a = acc.get

    def m(values: list[float | None]) -> float | None:
        return _mean(values, skip_missing=skip_missing)

    return {
        "non_live": m([m([a(c) for c in _SIMPLE]), a("multiple"), a("parallel"), a("parallel_multiple")]),
        "live": _weighted(_LIVE_AST, acc, skip_missing=skip_missing),
        "irrelevance": m([a("irrelevance"), a("live_irrelevance")]),
        "multi_turn": m([a(c) for c in _MULTI]),
        "agentic": m(
            [
                m([a("web_search_base"), a("web_search_no_snippet")]),
                m([a("memory_kv"), a("memory_vector"), a("memory_rec_sum")]),
            ]
        ),
    }


def overall(acc: dict[str, float], *, skip_missing: bool) -> float | None:
    """Leaderboard overall (missing count 0), or over the groups that ran when `skip_missing`."""
    groups = group_scores(acc, skip_missing=skip_missing)
    present = {g: v for g, v in groups.items() if v is not None}
    weight = sum(GROUP_WEIGHTS[g] for g in present)
    return sum(GROUP_WEIGHTS[g] * v for g, v in present.items()) / weight if weight else None


def build_report(scored: Any, not_run: dict[str, str], meta: dict[str, Any]) -> dict[str, Any]:
    """Assemble ``report.json`` from a `score.ScoreRun`, the skipped categories and run metadata."""
    categories: dict[str, Any] = {}
    for cat in ALL_CATEGORIES:
        if cat not in scored.scores:
            continue
        s = scored.scores[cat]
        lo, hi = wilson_interval(s.correct, s.total)
        categories[cat] = {
            "accuracy": s.accuracy,
            "correct": s.correct,
            "total": s.total,
            "ci95": [lo, hi],
            "rejected_unsafe": len(s.rejected_ids),
            "error_types": s.error_types,
            "no_call": s.no_call,
            "unparsed_call": s.unparsed_call,
        }
    acc = {c: v["accuracy"] for c, v in categories.items()}
    return {
        **meta,
        "categories": categories,
        "not_run": {c: not_run.get(c, "not requested") for c in ALL_CATEGORIES if c not in categories},
        "groups": group_scores(acc, skip_missing=False),
        "overall": {
            "v4": overall(acc, skip_missing=False),
            "missing": [c for c in ALL_CATEGORIES if c not in categories],
            "over_run": overall(acc, skip_missing=True),
            "official_csv": scored.official_overall,
        },
        "rejected_unsafe_calls": [
            {"id": r.entry_id, "name": r.name, "reason": r.reason} for r in scored.rejections
        ],
    }


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.2f}"


def markdown(report: dict[str, Any]) -> str:
    """Markdown table of one report (category, accuracy, correct/total, 95% CI)."""
    o = report["overall"]
    lines = [
        f"# BFCL-v4: {report['model']} (bfcl-eval {report['bfcl_version']})",
        "",
        f"Overall (v4 weights, missing categories count 0): **{_pct(o['v4'])}%**; over the categories run: "
        f"{_pct(o['over_run'])}%",
        "",
        "| category | accuracy % | correct / total | 95% CI (Wilson) |",
        "|---|---:|---:|---|",
    ]
    for cat, v in report["categories"].items():
        lo, hi = v["ci95"]
        lines.append(
            f"| {cat} | {_pct(v['accuracy'])} | {v['correct']} / {v['total']} | {_pct(lo)}–{_pct(hi)} |"
        )
    for cat, reason in report["not_run"].items():
        if reason != "not requested":
            lines.append(f"| {cat} | – | – | {reason} |")
    failures = [failures_line(cat, v) for cat, v in report["categories"].items()]
    if any(failures):
        lines += ["", "Failed entries by the official scorer's error type:", ""]
        lines += [f"- {line}" for line in failures if line]
    return "\n".join(lines) + "\n"


def failures_line(category: str, scores: dict[str, Any]) -> str:
    """``simple_python (261): wrong_count 60 (no call 38, unparsed call 17), value_error:string 60, ...``.

    "" when nothing failed.
    """
    kinds = scores.get("error_types") or {}
    if not kinds:
        return ""
    parts = []
    for kind, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])):
        checker, _, name = kind.partition(":")
        text = f"{name if checker.endswith('_checker') else kind} {n}"  # the checker's name is noise
        if kind.endswith("wrong_count") and (scores.get("no_call") or scores.get("unparsed_call")):
            text += f" (no call {scores.get('no_call', 0)}, unparsed call {scores.get('unparsed_call', 0)})"
        parts.append(text)
    return f"{category} ({sum(kinds.values())}): " + ", ".join(parts)


def bar_chart(reports: dict[str, dict[str, Any]], path: Path) -> None:
    """Grouped horizontal bar chart (one bar per model per category, Wilson CI as error bars)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cats = [c for c in ALL_CATEGORIES if any(c in r["categories"] for r in reports.values())]
    fig, ax = plt.subplots(figsize=(8, 0.45 * max(len(cats), 1) * max(len(reports), 1) + 1.5))
    height = 0.8 / max(len(reports), 1)
    for k, (label, rep) in enumerate(reports.items()):
        ys = [i + k * height for i in range(len(cats))]
        vals = [100 * rep["categories"].get(c, {}).get("accuracy", 0.0) for c in cats]
        cells = [rep["categories"].get(c) for c in cats]
        errs = [
            [max(0.0, 100 * (v["accuracy"] - v["ci95"][0])) if v else 0.0 for v in cells],
            [max(0.0, 100 * (v["ci95"][1] - v["accuracy"])) if v else 0.0 for v in cells],
        ]
        ax.barh(ys, vals, height=height, xerr=errs, label=label, capsize=2)
    ax.set_yticks([i + height * (len(reports) - 1) / 2 for i in range(len(cats))], cats)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("accuracy % (95% Wilson CI)")
    ax.set_title("BFCL-v4")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(report: dict[str, Any], out: Path) -> None:
    """Write ``report.json``, ``report.md`` and ``report.png`` into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2))
    (out / "report.md").write_text(markdown(report))
    bar_chart({report["model"]: report}, out / "report.png")


def compare_reports(reports: dict[str, Path], out_dir: Path) -> Path:
    """Side-by-side comparison of runs (e.g. ``{"base": ..., "fine-tuned": ...}`` report.json paths).

    Writes ``comparison.md`` (per category: each run's accuracy with its Wilson CI, and the difference of
    the last run against the first) and ``comparison.png``; returns the markdown path.
    """
    loaded = {label: json.loads(Path(p).read_text()) for label, p in reports.items()}
    labels = list(loaded)
    cats = [c for c in ALL_CATEGORIES if any(c in r["categories"] for r in loaded.values())]
    lines = [
        "| category | "
        + " | ".join(labels)
        + (f" | Δ ({labels[-1]} − {labels[0]})" if len(labels) > 1 else "")
        + " |",
        "|---|" + "---|" * (len(labels) + (1 if len(labels) > 1 else 0)),
    ]
    for c in cats:
        cells, accs = [], []
        for label in labels:
            v = loaded[label]["categories"].get(c)
            accs.append(v["accuracy"] if v else None)
            cells.append(
                f"{_pct(v['accuracy'])} [{_pct(v['ci95'][0])}–{_pct(v['ci95'][1])}] (n={v['total']})"
                if v
                else "not run"
            )
        delta = [
            f"{100 * (accs[-1] - accs[0]):+.2f}" if accs[0] is not None and accs[-1] is not None else "n/a"
        ]
        lines.append(f"| {c} | " + " | ".join(cells + (delta if len(labels) > 1 else [])) + " |")
    for key in ("v4", "over_run"):
        cells = [_pct(loaded[label]["overall"][key]) for label in labels]
        lines.append(f"| overall ({key}) | " + " | ".join(cells) + (" | " if len(labels) > 1 else "") + " |")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "comparison.md"
    path.write_text("\n".join(lines) + "\n")
    bar_chart(loaded, out_dir / "comparison.png")
    return path
