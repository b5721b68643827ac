"""A τ² domain = data + policy + toolkit(s), and the per-episode environment that routes tool calls.

`load_domain` reads a domain once (tasks, policy, the shared read-only base database); `Domain.env()` makes
a fresh `Environment` for one episode (copy-on-write, so no whole-database copy). The environment records
every tool call it executes as an `ActionRecord` — the log that grading replays.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from toolmind.eval.tau.data import (
    DOMAINS,
    DataError,
    EnvFunctionCall,
    Task,
    load_split,
    load_tasks,
    read_json,
    read_text,
)
from toolmind.eval.tau.db import BaseDB, EpisodeDB
from toolmind.eval.tau.toolkit import Toolkit, ToolResult
from toolmind.schema import ToolSpec

Requestor = Literal["assistant", "user"]
TRANSFER_TOOL = "transfer_to_human_agents"


class ActionRecord(BaseModel):
    """One executed tool call, in execution order."""

    requestor: Requestor = "assistant"
    name: str
    arguments: dict[str, Any]
    content: str
    error: bool = False


@dataclass
class Domain:
    """Everything about a domain that does not change between episodes."""

    name: str
    policy: str
    tasks: list[Task]
    split_path: Path
    base_db: BaseDB
    make_tools: Callable[[EpisodeDB], Toolkit]
    base_user_db: BaseDB | None = None
    make_user_tools: Callable[[EpisodeDB, EpisodeDB], Toolkit] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def split(self, split: str) -> list[Task]:
        from toolmind.eval.tau.data import select_tasks

        return select_tasks(self.tasks, load_split(self.split_path, split), self.split_path)

    def env(self, task: Task | None = None) -> Environment:
        """A fresh episode environment, with the task's initial state applied."""
        env = Environment(self)
        if task is not None:
            env.initialize(task)
        return env

    def tool_specs(self) -> list[ToolSpec]:
        return self.make_tools(self.base_db.episode()).specs()

    def user_tool_specs(self) -> list[ToolSpec]:
        if self.make_user_tools is None or self.base_user_db is None:
            return []
        return self.make_user_tools(self.base_db.episode(), self.base_user_db.episode()).specs()


class Environment:
    """One episode's state: agent-side (and user-side) databases and toolkits, and the action log."""

    def __init__(self, domain: Domain) -> None:
        self.domain = domain
        self.db = domain.base_db.episode()
        self.tools = domain.make_tools(self.db)
        self.user_db = domain.base_user_db.episode() if domain.base_user_db is not None else None
        self.user_tools = (
            domain.make_user_tools(self.db, self.user_db)
            if domain.make_user_tools is not None and self.user_db is not None
            else None
        )
        self.log: list[ActionRecord] = []

    def toolkit(self, requestor: Requestor) -> Toolkit | None:
        return self.tools if requestor == "assistant" else self.user_tools

    def initialize(self, task: Task) -> None:
        """Apply the task's initial state (initialization data and actions); not logged."""
        state = task.initial_state
        if state is None:
            return
        if state.initialization_data:
            raise DataError(
                f"task {task.id}: initialization_data is not supported by the {self.domain.name} domain"
            )
        for call in state.initialization_actions or []:
            self.run_function(call)

    def run_function(self, call: EnvFunctionCall) -> Any:
        """Run an environment function (initialisation or assertion) by name on one side."""
        kit = self.toolkit(call.env_type)
        func = kit.env_functions().get(call.func_name) if kit is not None else None
        if func is None:
            raise DataError(f"{call.env_type} environment has no function {call.func_name!r}")
        return func(**call.arguments)

    def call(self, name: str, arguments: dict[str, Any], requestor: Requestor = "assistant") -> ToolResult:
        """Execute and log one tool call."""
        kit = self.toolkit(requestor)
        if kit is None:
            result = ToolResult(f"Error: the {requestor} has no tools", error=True)
        else:
            result = kit.call(name, arguments)
        self.log.append(
            ActionRecord(
                requestor=requestor,
                name=name,
                arguments=arguments,
                content=result.content,
                error=result.error,
            )
        )
        return result

    def is_write(self, name: str, requestor: Requestor) -> bool:
        kit = self.toolkit(requestor)
        return kit is not None and kit.has(name) and kit.kind(name) == "write"

    def db_hash(self) -> str:
        parts = [self.db.hash()]
        if self.user_db is not None:
            parts.append(self.user_db.hash())
        return ":".join(parts)

    def dump(self) -> dict[str, Any]:
        """The final databases, same layout as the input (`{"db": ..., "user_db": ...}` when dual)."""
        if self.user_db is None:
            return self.db.materialize()
        return {"db": self.db.materialize(), "user_db": self.user_db.materialize()}


def _json_db(path: Path) -> BaseDB:
    raw = read_json(path)
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        raise DataError(f"{path}: expected an object of tables (each an object of records)")
    return BaseDB(raw)


def load_domain(name: str, data_dir: str | Path) -> Domain:
    """Read one domain's data (`<data_dir>/<name>/...`)."""
    if name not in DOMAINS:
        raise DataError(f"unknown τ² domain {name!r} (have: {', '.join(DOMAINS)})")
    root = Path(data_dir) / name
    if not root.is_dir():
        raise DataError(f"{root}: domain directory not found (is --data-dir a τ² data directory?)")
    if name == "airline":
        from toolmind.eval.tau.airline import AirlineTools

        return Domain(
            name=name,
            policy=read_text(root / "policy.md"),
            tasks=load_tasks(root / "tasks.json"),
            split_path=root / "split_tasks.json",
            base_db=_json_db(root / "db.json"),
            make_tools=AirlineTools,
        )
    if name == "retail":
        from toolmind.eval.tau.retail import RetailTools

        return Domain(
            name=name,
            policy=read_text(root / "policy.md"),
            tasks=load_tasks(root / "tasks.json"),
            split_path=root / "split_tasks.json",
            base_db=_json_db(root / "db.json"),
            make_tools=RetailTools,
        )
    from toolmind.eval.tau.telecom import load_telecom

    return load_telecom(root)


def dump_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False), encoding="utf-8")
