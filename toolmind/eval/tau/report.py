"""τ² reports: `report.json` (pass^k, components, per-task results, terminations, cost, gold action
errors), `report.md` and `report.png`; and the unweighted mean over domains."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolmind.eval.tau.grading import COMPONENTS, pass_hat_k

if TYPE_CHECKING:
    from toolmind.eval.tau.data import Task
    from toolmind.eval.tau.orchestrator import EpisodeResult

log = logging.getLogger(__name__)
SUCCESS = 1.0 - 1e-6  # an episode succeeds when its reward is 1


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 6) if values else None


def build_report(
    domain: str,
    split: str,
    tasks: Sequence[Task],
    episodes: Sequence[EpisodeResult],
    trials: int,
    meta: dict[str, Any],
) -> dict[str, Any]:
    """Aggregate episodes (all trials of all tasks) into the report dict."""
    by_task: dict[str, list[EpisodeResult]] = {t.id: [] for t in tasks}
    for ep in episodes:
        by_task[ep.task_id].append(ep)
    successes = [sum(ep.reward >= SUCCESS for ep in eps) for eps in by_task.values()]
    components: dict[str, float | None] = {}
    for comp in COMPONENTS:
        values = [v for ep in episodes if (v := ep.grade.components.get(comp)) is not None]
        if values or any(comp in ep.grade.components for ep in episodes):
            components[comp] = _mean(values)
    cost: dict[str, dict[str, float]] = {}
    for ep in episodes:
        for who, usage in ep.usage.items():
            slot = cost.setdefault(who, {"prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0.0})
            for key in slot:
                slot[key] += usage.get(key, 0)
    gold_errors: list[dict[str, Any]] = []
    for t in tasks:
        eps = by_task[t.id]
        if eps:
            gold_errors.extend(e.model_dump() for e in eps[0].grade.gold_action_errors)
    unevaluated = Counter(b for ep in episodes for b in ep.grade.unevaluated)
    first = episodes[0] if episodes else None
    return {
        "domain": domain,
        "split": split,
        "agent_model": first.agent_model if first else None,
        "user_model": first.user_model if first else None,
        "judge_model": first.judge_model if first else None,
        "trials": trials,
        "num_tasks": len(tasks),
        "num_episodes": len(episodes),
        "reward_mean": _mean([ep.reward for ep in episodes]),
        "pass^k": {str(k): round(pass_hat_k(successes, trials, k), 6) for k in range(1, trials + 1)},
        "components": components,
        # Episodes each component mean is over; episodes where it was not evaluated (no judge) are left out.
        "component_episodes": {
            c: sum(ep.grade.components.get(c) is not None for ep in episodes) for c in components
        },
        "unevaluated_bases": dict(unevaluated),
        "termination": dict(Counter(ep.termination for ep in episodes)),
        "cost": cost,
        "gold_action_errors": gold_errors,
        "tasks": [
            {
                "task_id": tid,
                "rewards": [ep.reward for ep in sorted(eps, key=lambda e: e.trial)],
                "successes": sum(ep.reward >= SUCCESS for ep in eps),
                "terminations": [ep.termination for ep in sorted(eps, key=lambda e: e.trial)],
                "components": {
                    c: _mean([v for ep in eps if (v := ep.grade.components.get(c)) is not None])
                    for c in COMPONENTS
                    if any(c in ep.grade.components for ep in eps)
                },
            }
            for tid, eps in by_task.items()
        ],
        **meta,
    }


def _markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# τ² {report['domain']} ({report['split']})",
        "",
        f"- agent: `{report['agent_model']}`",
        f"- user simulator: `{report['user_model']}`",
        f"- NL judge: `{report['judge_model']}`",
        f"- tasks: {report['num_tasks']}, trials: {report['trials']}, episodes: {report['num_episodes']}",
        "",
        "| k | pass^k |",
        "|---|---|",
        *[f"| {k} | {v:.4f} |" for k, v in report["pass^k"].items()],
        "",
        "| component | mean |",
        "|---|---|",
        *[f"| {k} | {'n/a' if v is None else f'{v:.4f}'} |" for k, v in report["components"].items()],
        "",
        "Terminations: " + ", ".join(f"{k} {v}" for k, v in sorted(report["termination"].items())),
        "",
    ]
    if report.get("unevaluated_bases"):
        lines += [f"Not evaluated (no judge): {report['unevaluated_bases']}", ""]
    if report["gold_action_errors"]:
        lines += [
            "## Gold actions that returned a tool error",
            "",
            "| task | index | tool | error |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {e['task_id']} | {e['index']} | {e['name']} | {e['error']} |"
            for e in report["gold_action_errors"]
        ]
        lines.append("")
    failed = [t for t in report["tasks"] if t["successes"] < report["trials"]]
    if failed:
        lines += ["## Tasks not solved in every trial", ""]
        lines += [
            f"- {t['task_id']}: rewards {t['rewards']} ({', '.join(t['terminations'])})" for t in failed
        ]
    return "\n".join(lines) + "\n"


def _plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.5))
    ks = list(report["pass^k"])
    ax1.plot([int(k) for k in ks], [report["pass^k"][k] for k in ks], marker="o")
    ax1.set_xlabel("k")
    ax1.set_ylabel("pass^k")
    ax1.set_ylim(0, 1.05)
    ax1.set_xticks([int(k) for k in ks])
    comps = {k: v for k, v in report["components"].items() if v is not None}
    ax2.bar(list(comps), list(comps.values()))
    ax2.set_ylim(0, 1.05)
    ax2.set_ylabel("mean over episodes")
    fig.suptitle(f"τ² {report['domain']} / {report['split']}: {report['agent_model']}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(
    out: Path,
    domain: str,
    split: str,
    tasks: Sequence[Task],
    episodes: Sequence[EpisodeResult],
    trials: int,
    meta: dict[str, Any],
) -> dict[str, Any]:
    """Write report.json / report.md / report.png into `out`; returns the report."""
    report = build_report(domain, split, tasks, episodes, trials, meta)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    (out / "report.md").write_text(_markdown(report), encoding="utf-8")
    _plot(report, out / "report.png")
    return report


def combine_domains(out: Path, reports: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Unweighted mean over domains of pass^k (the leaderboard's overall score) → `out/report.json`."""
    ks = set.intersection(*(set(r["pass^k"]) for r in reports)) if reports else set()
    mean = {k: round(sum(r["pass^k"][k] for r in reports) / len(reports), 6) for k in sorted(ks, key=int)}
    overall: dict[str, Any] = {
        "domains": {r["domain"]: {"pass^k": r["pass^k"], "components": r["components"]} for r in reports},
        "pass^k": {
            k: round(sum(r["pass^k"][k] for r in reports) / len(reports), 6) for k in sorted(ks, key=int)
        },
        "agent_model": reports[0]["agent_model"] if reports else None,
        "user_model": reports[0]["user_model"] if reports else None,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(overall, indent=2, ensure_ascii=False), encoding="utf-8")
    ks_sorted = list(mean)
    lines = [
        "# τ² overall (unweighted mean over domains)",
        "",
        f"- agent: `{overall['agent_model']}`",
        f"- user simulator: `{overall['user_model']}`",
        "",
        "| domain | " + " | ".join(f"pass^{k}" for k in ks_sorted) + " |",
        "|---|" + "---|" * len(ks_sorted),
        *[
            f"| {r['domain']} | " + " | ".join(f"{r['pass^k'][k]:.4f}" for k in ks_sorted) + " |"
            for r in reports
        ],
        "| **mean** | " + " | ".join(f"**{mean[k]:.4f}**" for k in ks_sorted) + " |",
    ]
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return overall
