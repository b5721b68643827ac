"""Oracle replay of the telecom tasks: run every gold action (agent and user side, in order) on a fresh
episode, grade the result as an episode, and explain each task it does not pass.

This validates the domain without the conversation loop (the CLI's `--agent-model oracle` does the same
through the orchestrator, with the oracle agent and oracle user taking turns). Gold actions that return a
tool error are listed as `gold_action_errors` (`[{"task_id", "index", "name", "error"}]`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from toolmind.eval.tau.data import Task
from toolmind.eval.tau.domain import Domain
from toolmind.eval.tau.grading import GoldActionError, grade_episode

SUCCESS = 1.0 - 1e-6


class OracleOutcome(BaseModel):
    """One task replayed with its gold actions."""

    task_id: str
    reward: float
    components: dict[str, float | None] = Field(default_factory=dict)
    gold_action_errors: list[GoldActionError] = Field(default_factory=list)
    failed_assertions: list[str] = Field(default_factory=list)
    explanation: str | None = None


def _explain(task: Task, failed: list[str], components: dict[str, float | None]) -> str:
    """Why the gold actions do not satisfy the task's criteria, in words."""
    names = [a.name for a in task.gold_actions]
    parts = []
    if failed:
        parts.append(f"after the gold actions {names}, env assertion(s) fail: {', '.join(failed)}")
    bad = sorted(k for k, v in components.items() if v is not None and v < SUCCESS and k != "env_assertion")
    if bad:
        parts.append(f"component(s) below 1: {', '.join(bad)}")
    return "; ".join(parts) or "unknown"


def replay_task(domain: Domain, task: Task) -> OracleOutcome:
    """Run the task's gold actions in order on a fresh episode and grade the episode."""
    env = domain.env(task)
    errors = []
    transferred = False
    for i, action in enumerate(task.gold_actions):
        result = env.call(action.name, action.arguments, action.requestor)
        if result.error:
            errors.append(GoldActionError(task_id=task.id, index=i, name=action.name, error=result.content))
        transferred = transferred or action.name == "transfer_to_human_agents"
    termination = "transfer" if transferred else "agent_stop"
    grade = grade_episode(domain, task, env.log, [], termination, None)
    failed = [f"{c['func_name']}" for c in grade.checks.get("env_assertion", []) if not c["met"]]
    outcome = OracleOutcome(
        task_id=task.id,
        reward=grade.reward,
        components=grade.components,
        gold_action_errors=errors,
        failed_assertions=failed,
    )
    if grade.reward < SUCCESS:
        outcome.explanation = _explain(task, failed, grade.components)
    return outcome


def oracle_report(domain: Domain, tasks: Sequence[Task]) -> dict[str, Any]:
    """Replay every task; pass rate, component means, gold action errors and explained failures."""
    outcomes = [replay_task(domain, t) for t in tasks]
    passed = sum(o.reward >= SUCCESS for o in outcomes)
    comps: dict[str, list[float]] = {}
    for o in outcomes:
        for k, v in o.components.items():
            if v is not None:
                comps.setdefault(k, []).append(v)
    return {
        "domain": domain.name,
        "num_tasks": len(outcomes),
        "passed": passed,
        "pass_rate": round(passed / len(outcomes), 6) if outcomes else None,
        "components": {k: round(sum(v) / len(v), 6) for k, v in sorted(comps.items())},
        "gold_action_errors": [e.model_dump() for o in outcomes for e in o.gold_action_errors],
        "failures": [
            {"task_id": o.task_id, "reward": o.reward, "explanation": o.explanation}
            for o in outcomes
            if o.reward < SUCCESS
        ],
        "failure_reasons": dict(Counter(o.explanation for o in outcomes if o.explanation)),
    }
