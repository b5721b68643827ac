"""Data model of a scripted plan: planned calls, user lines, assistant acts and the plan itself."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from toolmind.schema import Chain, ChainLink, ToolSpec

# An ISO date as the scripted values write it (what "invented_date" errors replace).
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class PlannedCall:
    """One intended tool call: the values the user states plus arguments fed by earlier outputs."""

    call_id: str
    tool: str
    step: int
    stated: dict[str, Any]
    linked: dict[str, tuple[int, str]] = field(default_factory=dict)  # param -> (source step, output field)


@dataclass
class Act:
    """One scripted assistant message."""

    kind: str  # call | summary | ask | decline | answer
    calls: list[PlannedCall] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)  # tool-call ids used by this message (call) or summarised
    reasoning: str = ""
    content: str = ""
    inject: str | None = None  # this message carries an injected error of this kind
    inject_param: str | None = None
    inject_value: Any = None
    inject_tool: str | None = None
    fixes: str | None = None  # this call corrects an injected error of this kind


@dataclass
class Line:
    """One scripted user message."""

    text: str


@dataclass
class Plan:
    trajectory_id: str
    key: str  # "<seed>|<chain id>": the root of every derived RNG
    chain: Chain
    seed: int
    tools: list[ToolSpec]  # the record's tool list, in prompt order
    items: list[Line | Act]
    goal: str
    hidden_details: list[dict[str, Any]]
    situations: list[str]
    defects: list[str]
    step_calls: dict[int, str]  # chain step -> id of its successful call
    step_tools: dict[int, str]
    links: list[ChainLink] = field(default_factory=list)  # data flow inside the played window
    _tool_map: dict[str, ToolSpec] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def lines(self) -> list[Line]:
        return [x for x in self.items if isinstance(x, Line)]

    @property
    def acts(self) -> list[Act]:
        return [x for x in self.items if isinstance(x, Act)]

    def tool_map(self) -> dict[str, ToolSpec]:
        """The record's tools by name (built once; plans are not modified after `build_plan`)."""
        if self._tool_map is None:
            self._tool_map = {t.function.name: t for t in self.tools}
        return self._tool_map


def trajectory_id(seed: int, chain_id: str) -> str:
    return f"syn-{seed}-{chain_id}"


@dataclass
class Episode:
    """One user request and how it is played."""

    kind: str  # single | parallel | multi | no_tool
    calls: list[PlannedCall]
    missing: str | None = None
    leak: bool = False
    inject: str | None = None
    request: str = ""  # no_tool episodes
    reply: tuple[str, str] = ("", "")  # no_tool episodes: (reasoning, content)
    no_tool_kind: str = ""
