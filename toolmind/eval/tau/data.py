"""Loading τ² domain data: tasks, splits, policy and database, with errors that name the file.

Layout of a data directory (`--data-dir`): `<domain>/{db.json,tasks.json,policy.md,split_tasks.json}`
for airline and retail; telecom keeps its databases in TOML (`db.toml`, `user_db.toml`) and its policy in
`main_policy.md` + `tech_support_manual.md`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

RewardType = Literal["DB", "ENV_ASSERTION", "COMMUNICATE", "ACTION", "NL_ASSERTION"]
DOMAINS = ("airline", "retail", "telecom")
DATA_ENV = "TOOLMIND_TAU2_DATA"


class DataError(ValueError):
    """Missing or malformed benchmark data; the message names the file (and the record)."""


class _Loose(BaseModel):
    # The benchmark adds fields over releases (annotations, issues, ticket); unknown keys are kept.
    model_config = ConfigDict(extra="allow")


class Action(_Loose):
    """A gold tool call of a task."""

    action_id: str = ""
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    requestor: Literal["assistant", "user"] = "assistant"
    compare_args: list[str] | None = None
    info: str | None = None

    def matches(self, name: str, arguments: dict[str, Any]) -> bool:
        """Whether a call matches this action (name, and the `compare_args` or all of its arguments)."""
        if name != self.name:
            return False
        keys = list(arguments) if self.compare_args is None else self.compare_args
        return {k: v for k, v in arguments.items() if k in keys} == {
            k: v for k, v in self.arguments.items() if k in keys
        }


class EnvFunctionCall(_Loose):
    """A function run on the agent-side or user-side environment (telecom initial state / assertions)."""

    env_type: Literal["assistant", "user"]
    func_name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    assert_value: Any = True
    message: str | None = None


def _default_basis() -> list[RewardType]:
    return ["DB", "COMMUNICATE"]


class EvaluationCriteria(_Loose):
    actions: list[Action] | None = None
    env_assertions: list[EnvFunctionCall] | None = None
    communicate_info: list[str] | None = None
    nl_assertions: list[str] | None = None
    reward_basis: list[RewardType] = Field(default_factory=_default_basis)


class InitialState(_Loose):
    initialization_data: dict[str, Any] | None = None
    initialization_actions: list[EnvFunctionCall] | None = None
    message_history: list[dict[str, Any]] | None = None


class Task(_Loose):
    """One τ² task: the user's scenario and how the episode is graded."""

    id: str
    description: dict[str, Any] | None = None
    user_scenario: dict[str, Any]
    initial_state: InitialState | None = None
    evaluation_criteria: EvaluationCriteria | None = None

    @property
    def gold_actions(self) -> list[Action]:
        return list(self.evaluation_criteria.actions or []) if self.evaluation_criteria else []

    def user_instructions(self) -> str:
        """The scenario as text for the user simulator (structured instructions flattened)."""
        scenario = self.user_scenario
        parts = []
        if scenario.get("persona"):
            parts.append(f"Persona:\n{scenario['persona']}")
        instr = scenario.get("instructions")
        if isinstance(instr, dict):
            labels = {
                "domain": "Domain",
                "reason_for_call": "Reason for call",
                "known_info": "Known info",
                "unknown_info": "Unknown info",
                "task_instructions": "Task instructions",
            }
            for key, label in labels.items():
                if instr.get(key):
                    parts.append(f"{label}:\n{instr[key]}")
        elif instr:
            parts.append(str(instr))
        return "\n\n".join(parts)


def default_data_dir() -> Path:
    """`$TOOLMIND_TAU2_DATA`, else `../shared/benchmarks/tau2` next to the repository."""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3].parent / "shared" / "benchmarks" / "tau2"


def read_json(path: Path) -> Any:
    if not path.is_file():
        raise DataError(f"{path}: file not found (expected a τ² data directory laid out as <domain>/<file>)")
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from exc


def read_text(path: Path) -> str:
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    return path.read_text(encoding="utf-8")


def load_tasks(path: Path) -> list[Task]:
    """All tasks of a `tasks.json`; a bad record raises DataError naming its index, id and field."""
    raw = read_json(path)
    if not isinstance(raw, list):
        raise DataError(f"{path}: expected a JSON list of tasks, got {type(raw).__name__}")
    tasks = []
    for i, item in enumerate(raw):
        try:
            tasks.append(Task.model_validate(item))
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"])
            tid = item.get("id") if isinstance(item, dict) else None
            raise DataError(f"{path}: task #{i} (id {tid!r}): field {field!r}: {err['msg']}") from exc
    return tasks


def load_split(path: Path, split: str) -> list[str]:
    """Task ids of one split of `split_tasks.json`."""
    raw = read_json(path)
    if not isinstance(raw, dict) or not all(isinstance(v, list) for v in raw.values()):
        raise DataError(f"{path}: expected an object mapping split names to lists of task ids")
    if split not in raw:
        raise DataError(f"{path}: no split {split!r} (have: {', '.join(sorted(raw))})")
    return [str(t) for t in raw[split]]


def select_tasks(tasks: list[Task], ids: list[str], where: Path) -> list[Task]:
    """The tasks of `ids`, in split order; an id with no task is an error."""
    by_id = {t.id: t for t in tasks}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise DataError(f"{where}: split names task ids not in tasks.json: {missing[:5]}")
    return [by_id[i] for i in ids]
