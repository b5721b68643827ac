"""The participants of a τ² episode besides the environment: prompts, oracle, scripted user, NL judge.

Every participant is a `toolmind.llm.base.LLMBackend`, so a real model, the scripted test double and the
oracle are interchangeable. The oracle agent replays a task's gold actions (one call per step) and then
says the task's `communicate_info`; the oracle user performs the gold actions whose requestor is the user
(telecom) and ends the conversation once the script is done.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

import jinja2

from toolmind.eval.tau.data import Task
from toolmind.llm.base import ChatRequest, Completion, LLMBackend, Usage
from toolmind.schema import USER_STOP_TOKEN, Message, ToolCall

AGENT_GREETING = "Hi! How can I help you today?"
TRANSFER_TOKEN = "###TRANSFER###"
OUT_OF_SCOPE_TOKEN = "###OUT-OF-SCOPE###"
STOP_TOKENS = (USER_STOP_TOKEN, TRANSFER_TOKEN, OUT_OF_SCOPE_TOKEN)


@cache
def _template(name: str) -> jinja2.Template:
    text = resources.files("toolmind.eval.tau").joinpath("templates", name).read_text(encoding="utf-8")
    return jinja2.Environment(keep_trailing_newline=True, autoescape=False).from_string(text)


def agent_system_prompt(policy: str) -> str:
    return _template("agent_system.jinja").render(policy=policy)


def user_system_prompt(task: Task, has_tools: bool) -> str:
    return _template("user_simulator.jinja").render(scenario=task.user_instructions(), has_tools=has_tools)


def nl_judge_prompt(messages: Sequence[Message], assertions: Sequence[str]) -> str:
    shown = [m for m in messages if m.role in ("user", "assistant") and m.content]
    return _template("nl_judge.jinja").render(messages=shown, assertions=assertions)


class OracleScript:
    """Cursor over a task's gold actions, shared by the oracle agent and the oracle user."""

    def __init__(self, task: Task) -> None:
        self.task = task
        self.actions = task.gold_actions
        self.next = 0
        self.said_info = False

    def pending(self, requestor: str) -> bool:
        return self.next < len(self.actions) and self.actions[self.next].requestor == requestor

    def take(self) -> ToolCall:
        action = self.actions[self.next]
        self.next += 1
        return ToolCall.make(f"gold_{self.next - 1}", action.name, action.arguments)

    @property
    def done(self) -> bool:
        return self.next >= len(self.actions)


class OracleAgent:
    """Replays the gold agent actions, hands over to the user for user actions, says the required info."""

    def __init__(self, script: OracleScript) -> None:
        self.script = script

    @property
    def name(self) -> str:
        return "oracle:gold-actions"

    async def complete(self, request: ChatRequest) -> Completion:
        s = self.script
        if s.pending("assistant"):
            msg = Message(role="assistant", tool_calls=[s.take()])
        elif s.pending("user"):
            action = s.actions[s.next]
            msg = Message(role="assistant", content=f"Please do this on your phone: {action.name}.")
        elif not s.said_info:
            s.said_info = True
            info = (s.task.evaluation_criteria.communicate_info if s.task.evaluation_criteria else None) or []
            text = "I have taken care of your request."
            if info:
                text += " Here is what you need to know: " + "; ".join(info) + "."
            msg = Message(role="assistant", content=text)
        else:
            msg = Message(role="assistant", content="Is there anything else I can help you with?")
        return Completion(message=msg, model="oracle", backend="oracle")


class OracleUser:
    """States the reason for the call, performs the gold user actions, then stops."""

    def __init__(self, script: OracleScript) -> None:
        self.script = script
        self.started = False

    @property
    def name(self) -> str:
        return "oracle:gold-user (scripted)"

    async def complete(self, request: ChatRequest) -> Completion:
        s = self.script
        if not self.started:
            self.started = True
            instr = s.task.user_scenario.get("instructions")
            reason = instr.get("reason_for_call") if isinstance(instr, dict) else None
            msg = Message(role="assistant", content=str(reason or instr or "I need help."))
        elif s.pending("user") and request.messages[-1].role != "tool":
            calls = []
            while s.pending("user"):
                calls.append(s.take())
            msg = Message(role="assistant", tool_calls=calls)
        elif request.messages[-1].role == "tool":
            msg = Message(role="assistant", content="Done.")
        elif s.done and s.said_info:
            msg = Message(role="assistant", content=USER_STOP_TOKEN)
        else:
            msg = Message(role="assistant", content="Okay, please go on.")
        return Completion(message=msg, model="oracle-user", backend="scripted")


class ScriptedUser:
    """A user that says fixed turns (text, or tool calls for dual-control domains), then stops."""

    def __init__(
        self, turns: Sequence[str | list[tuple[str, dict[str, Any]]]], name: str = "scripted-user"
    ) -> None:
        self.turns = list(turns)
        self.index = 0
        self._name = name

    @property
    def name(self) -> str:
        return f"scripted:{self._name}"

    async def complete(self, request: ChatRequest) -> Completion:
        if self.index >= len(self.turns):
            msg = Message(role="assistant", content=USER_STOP_TOKEN)
        else:
            turn = self.turns[self.index]
            self.index += 1
            if isinstance(turn, str):
                msg = Message(role="assistant", content=turn)
            else:
                calls = [ToolCall.make(f"user_{self.index}_{i}", n, a) for i, (n, a) in enumerate(turn)]
                msg = Message(role="assistant", tool_calls=calls)
        return Completion(message=msg, model=self._name, backend="scripted")


def parse_judge_reply(text: str, assertions: Sequence[str]) -> list[dict[str, Any]]:
    """Verdicts from the judge's JSON reply; an unreadable reply marks every assertion as not met."""
    match = re.search(r"\{.*\}", text, flags=re.DOTALL)
    results: list[Any] = []
    if match:
        try:
            results = json.loads(match.group(0)).get("results", [])
        except (json.JSONDecodeError, AttributeError):
            results = []
    verdicts = []
    for i, assertion in enumerate(assertions):
        item = results[i] if i < len(results) and isinstance(results[i], dict) else None
        if item is None:
            verdicts.append({"assertion": assertion, "met": False, "reasoning": "judge reply unreadable"})
        else:
            met = item.get("metExpectation") is True
            verdicts.append({"assertion": assertion, "met": met, "reasoning": str(item.get("reasoning", ""))})
    return verdicts


async def judge_nl_assertions(
    judge: LLMBackend, messages: Sequence[Message], assertions: Sequence[str], usage: Usage
) -> list[dict[str, Any]]:
    """Ask the judge model whether each NL assertion holds for the conversation."""
    prompt = nl_judge_prompt(messages, assertions)
    completion = await judge.complete(
        ChatRequest(
            messages=[Message(role="user", content=prompt)], temperature=0.0, context={"role": "tau-judge"}
        )
    )
    usage.add(completion.usage)
    return parse_judge_reply(completion.message.content, assertions)
