"""Grading of one episode per the task's `reward_basis`, and pass^k.

Each component is a single check; the reward is the product of the components the task's basis names
(τ² `evaluate_simulation`). Episodes that ended prematurely (max steps, too many errors, agent output that
could not be parsed) get reward 0 but still report their component checks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from toolmind.eval.tau.data import Task
from toolmind.eval.tau.domain import ActionRecord, Domain, Environment

# Termination reasons under which an episode is graded (τ²: AGENT_STOP / USER_STOP; a transfer ends with
# the user's transfer token, i.e. a user stop).
GRADED_TERMINATIONS = frozenset({"user_stop", "agent_stop", "transfer"})
COMPONENTS = ("db", "env_assertion", "communicate", "action", "nl_assertion")
_BASIS_TO_COMPONENT = {
    "DB": "db",
    "ENV_ASSERTION": "env_assertion",
    "COMMUNICATE": "communicate",
    "ACTION": "action",
    "NL_ASSERTION": "nl_assertion",
}


class GoldActionError(BaseModel):
    task_id: str
    index: int
    name: str
    error: str


class Grade(BaseModel):
    """Reward of one episode, its components, and the evidence behind them."""

    reward: float
    components: dict[str, float | None] = Field(default_factory=dict)
    reward_basis: list[str] = Field(default_factory=list)
    unevaluated: list[str] = Field(default_factory=list)
    checks: dict[str, Any] = Field(default_factory=dict)
    gold_action_errors: list[GoldActionError] = Field(default_factory=list)


def replay_agent(domain: Domain, task: Task, log: Sequence[ActionRecord]) -> Environment:
    """A fresh environment with the episode's state-changing calls (agent and user) replayed in order."""
    env = domain.env(task)
    for rec in log:
        if env.is_write(rec.name, rec.requestor):
            env.call(rec.name, rec.arguments, rec.requestor)
    return env


def replay_gold(domain: Domain, task: Task) -> tuple[Environment, list[GoldActionError]]:
    """A fresh environment with the task's gold actions run in order; the ones that failed."""
    env = domain.env(task)
    errors = []
    for i, action in enumerate(task.gold_actions):
        result = env.call(action.name, action.arguments, action.requestor)
        if result.error:
            errors.append(GoldActionError(task_id=task.id, index=i, name=action.name, error=result.content))
    return env, errors


def check_communicate(task: Task, assistant_texts: Sequence[str]) -> tuple[float, list[dict[str, Any]]]:
    """Each required string must appear (case-insensitive, commas ignored) in some agent message."""
    required = (task.evaluation_criteria.communicate_info if task.evaluation_criteria else None) or []
    checks = []
    for info in required:
        met = any(info.lower() in text.lower().replace(",", "") for text in assistant_texts)
        checks.append({"info": info, "met": met})
    return (1.0 if all(c["met"] for c in checks) else 0.0), checks


def check_actions(task: Task, log: Sequence[ActionRecord]) -> tuple[float, list[dict[str, Any]]]:
    """Each gold action must match some call of the episode (name + compared arguments)."""
    checks = []
    for action in task.gold_actions:
        met = any(action.matches(rec.name, rec.arguments) for rec in log)
        checks.append({"action_id": action.action_id, "name": action.name, "met": met})
    return (1.0 if all(c["met"] for c in checks) else 0.0), checks


def grade_episode(
    domain: Domain,
    task: Task,
    log: Sequence[ActionRecord],
    assistant_texts: Sequence[str],
    termination: str,
    nl_verdicts: list[dict[str, Any]] | None,
) -> Grade:
    """Grade one episode. `nl_verdicts` is the judge's output (None when no judge was configured)."""
    crit = task.evaluation_criteria
    basis: list[str] = [str(b) for b in crit.reward_basis] if crit else []
    comps: dict[str, float | None] = {}
    checks: dict[str, Any] = {}
    gold_errors: list[GoldActionError] = []
    if crit is not None and (crit.actions is not None or crit.env_assertions is not None):
        predicted = replay_agent(domain, task, log)
        gold, gold_errors = replay_gold(domain, task)
        comps["db"] = 1.0 if predicted.db_hash() == gold.db_hash() else 0.0
        checks["db"] = {"agent_hash": predicted.db_hash(), "gold_hash": gold.db_hash()}
        assertions = []
        for assertion in crit.env_assertions or []:
            value = predicted.run_function(assertion)
            assertions.append({"func_name": assertion.func_name, "met": value == assertion.assert_value})
        if crit.env_assertions is not None:
            comps["env_assertion"] = 1.0 if all(a["met"] for a in assertions) else 0.0
            checks["env_assertion"] = assertions
    else:
        comps["db"] = 1.0
    comps["communicate"], checks["communicate"] = check_communicate(task, assistant_texts)
    comps["action"], checks["action"] = check_actions(task, log)
    nl = (crit.nl_assertions if crit else None) or []
    if not nl:
        comps["nl_assertion"] = 1.0
    elif nl_verdicts is not None:
        comps["nl_assertion"] = 1.0 if all(v.get("met") for v in nl_verdicts) else 0.0
        checks["nl_assertion"] = nl_verdicts
    else:
        comps["nl_assertion"] = None
    reward = 1.0
    unevaluated = []
    for b in basis:
        value = comps.get(_BASIS_TO_COMPONENT[b])
        if value is None:
            unevaluated.append(b)
        else:
            reward *= value
    if termination not in GRADED_TERMINATIONS:
        reward = 0.0
    applicable = {_BASIS_TO_COMPONENT[b] for b in basis}
    return Grade(
        reward=reward,
        components={k: v for k, v in comps.items() if k in applicable},
        reward_basis=basis,
        unevaluated=unevaluated,
        checks=checks,
        gold_action_errors=gold_errors,
    )


def pass_hat_k(successes: Sequence[int], n: int, k: int) -> float:
    """pass^k = mean over tasks of C(c, k) / C(n, k) (c successes of n trials; 0 when c < k)."""
    if not 1 <= k <= n:
        raise ValueError(f"k must be in 1..n={n}, got {k}")
    if not successes:
        return 0.0
    return sum(math.comb(c, k) / math.comb(n, k) for c in successes) / len(successes)
