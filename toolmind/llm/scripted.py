"""`ScriptedBackend`: a deterministic policy behind the `LLMBackend` interface.

It is the test double and the offline default. Its name is ``scripted:<policy name>``, recorded in
every output a completion contributes to, so scripted data can never pass for model output. The agent
policies of the synthesis stage plug in here (``ScriptedBackend(policy, name)``); this module ships
two trivial ones for tests and smoke runs:

- ``echo``: answers every request with a fixed text quoting the last user message;
- ``call-first-tool``: when tools are offered and the live turn has no tool result yet, calls the
  first tool with placeholder arguments built from its schema; otherwise summarises the tool results.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from toolmind.llm.base import ChatRequest, Completion
from toolmind.schema import Message, ToolCall, ToolSpec

Policy = Callable[[ChatRequest], Message]


class ScriptedBackend:
    """Runs `policy` on every request; deterministic if the policy is."""

    def __init__(self, policy: Policy, name: str) -> None:
        if not name:
            raise ValueError("ScriptedBackend needs a policy name (recorded as scripted:<name>)")
        self.policy = policy
        self.policy_name = name
        self.name = f"scripted:{name}"
        self.calls = 0

    async def complete(self, request: ChatRequest) -> Completion:
        message = self.policy(request)
        if message.role != "assistant":
            raise ValueError(
                f"{self.name}: the policy returned a {message.role!r} message, not an assistant one"
            )
        self.calls += 1
        return Completion(message=message, model=self.policy_name, backend="scripted")


def _last_user_text(request: ChatRequest) -> str:
    return next((m.content for m in reversed(request.messages) if m.role == "user"), "")


def echo_policy(request: ChatRequest) -> Message:
    """A fixed reply quoting the last user message."""
    return Message(role="assistant", content=f"scripted reply to: {_last_user_text(request)[:200]}")


_PLACEHOLDERS: dict[str, Any] = {
    "string": "example",
    "integer": 1,
    "number": 1.0,
    "boolean": True,
    "array": [],
    "object": {},
}


def placeholder_arguments(tool: ToolSpec) -> dict[str, Any]:
    """One value per required parameter: its first enum value, its default, or a value of its type."""
    params = tool.function.parameters
    props: dict[str, Any] = params.get("properties", {})
    args: dict[str, Any] = {}
    for name in params.get("required", []):
        schema = props.get(name, {})
        if schema.get("enum"):
            args[name] = schema["enum"][0]
        elif "default" in schema:
            args[name] = schema["default"]
        else:
            kind = schema.get("type", "string")
            args[name] = _PLACEHOLDERS.get(kind if isinstance(kind, str) else kind[0], "example")
    return args


def call_first_tool_policy(request: ChatRequest) -> Message:
    """Call the first tool once per user turn, then report the tool results in text."""
    last_user = max((i for i, m in enumerate(request.messages) if m.role == "user"), default=-1)
    results = [m.content for m in request.messages[last_user + 1 :] if m.role == "tool"]
    if request.tools and not results:
        tool = request.tools[0]
        call = ToolCall.make(f"call_{len(request.messages)}", tool.name, placeholder_arguments(tool))
        return Message(role="assistant", content="", tool_calls=[call])
    if results:
        return Message(
            role="assistant", content="The tool returned: " + json.dumps(results, ensure_ascii=False)
        )
    return echo_policy(request)


BUILTIN_POLICIES: dict[str, Policy] = {"echo": echo_policy, "call-first-tool": call_first_tool_policy}
