"""A seeded generator of tool-use conversations covering the corners of the Qwen3 chat format.

Used by the chat-format tests (render vs. the original template, parse round trips) and by anyone who
needs varied, valid conversations without a model: single, multiple and parallel calls, several tool
responses in a row, reasoning in history and in the live chain, no tools, system prompt present or
absent, unicode, empty content, text that looks like tool output.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

from toolmind.schema import FunctionSpec, Message, ToolCall, ToolSpec

WORDS = ("weather", "Zürich", "flight", "数据", "émigré", "🙂", "tab\there", 'quote"d', "back\\slash", "x")
TEXTS = (
    "",
    "OK.",
    "Let me check.",
    "Résumé: 5 °C ☀",
    "line one\nline two",
    "中文回答。",
    "\nleading newline",
)
REASONINGS = ("I should call the tool.", "\nPlan:\n1. look up\n2. answer\n", "思考一下", "")


@dataclass
class Conversation:
    """One generated case: the arguments `render` takes."""

    messages: list[Message]
    tools: list[ToolSpec] = field(default_factory=list)
    add_generation_prompt: bool = False
    enable_thinking: bool = True

    def as_dicts(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The same case as OpenAI-format dicts (what HTTP clients and the BFCL harness pass)."""
        return [m.model_dump(exclude_none=True) for m in self.messages], [t.openai() for t in self.tools]


def _tool(rng: random.Random, index: int) -> ToolSpec:
    props: dict[str, Any] = {}
    for p in range(rng.randint(0, 3)):
        kind = rng.choice(["string", "integer", "number", "boolean", "array"])
        schema: dict[str, Any] = {"type": kind, "description": f"param {rng.choice(WORDS)}"}
        if kind == "array":
            schema["items"] = {"type": "string"}
        props[f"p{p}"] = schema
    required = [name for name in props if rng.random() < 0.5]
    params = {"type": "object", "properties": props, "required": required}
    spec = FunctionSpec(
        name=f"tool_{index}", description=f"Tool {index}: {rng.choice(WORDS)}", parameters=params
    )
    return ToolSpec(function=spec, returns={"type": "object"} if rng.random() < 0.5 else None)


def _value(rng: random.Random) -> Any:
    return rng.choice(
        [
            rng.choice(WORDS),
            rng.randint(-5, 10**6),
            rng.random(),
            rng.random() < 0.5,
            None,
            [rng.choice(WORDS)],
            {},
        ]
    )


def _arguments(rng: random.Random, canonical: bool) -> str:
    args = {f"p{i}": _value(rng) for i in range(rng.randint(0, 3))}
    if canonical or rng.random() < 0.5:
        return json.dumps(args, ensure_ascii=False)
    return json.dumps(args, separators=(",", ":"))  # compact and ASCII-escaped: still written verbatim


def _assistant(
    rng: random.Random, calls: int, tools: list[ToolSpec], counter: list[int], edge: bool
) -> Message:
    reasoning = rng.choice([None, None, *REASONINGS])
    content = rng.choice(TEXTS)
    if reasoning is None and rng.random() < 0.15:
        content = f"<think>\nreasoning inside content {rng.choice(WORDS)}\n</think>\n\n{content}"
    if edge and rng.random() < 0.1:
        content = rng.choice(["\n", "\n\n", " "])
    tool_calls = []
    for _ in range(calls):
        name = rng.choice(tools).name
        tool_calls.append(ToolCall.make(f"id_{counter[0]}", name, _arguments(rng, canonical=not edge)))
        counter[0] += 1
    return Message(
        role="assistant", content=content, reasoning_content=reasoning, tool_calls=tool_calls or None
    )


def random_conversation(rng: random.Random, *, edge_cases: bool = True) -> Conversation:
    """Generate one conversation.

    Args:
        rng: the source of randomness (seed it for reproducible cases).
        edge_cases: also produce inputs the renderer maps many-to-one (newline-only content next to tool
            calls in the live chain, non-canonical argument strings); switch off for round-trip tests.
    """
    tools = [_tool(rng, i) for i in range(rng.choice([0, 0, 1, 2, 3]))]
    messages: list[Message] = []
    if rng.random() < 0.5:
        messages.append(Message(role="system", content=rng.choice(["You are helpful.", "", "Système ✓"])))
    counter = [0]
    for _ in range(rng.randint(1, 3)):
        query = (
            rng.choice(TEXTS)
            if rng.random() < 0.9
            else "<tool_response>\nlooks like output\n</tool_response>"
        )
        messages.append(Message(role="user", content=query))
        if edge_cases and rng.random() < 0.05:
            messages.append(Message(role="system", content="A system message mid-conversation."))
        for _step in range(rng.randint(0, 3) if tools else 0):
            calls = rng.choice([1, 1, 2, 3])
            turn = _assistant(rng, calls, tools, counter, edge_cases)
            messages.append(turn)
            assert turn.tool_calls is not None
            for call in turn.tool_calls:
                result = rng.choice(['{"ok": true}', "", "Ergebnis: 42 ✓", "multi\nline"])
                messages.append(Message(role="tool", content=result, tool_call_id=call.id))
            if rng.random() < 0.15:
                break  # the conversation may stop inside the live tool chain
        else:
            if rng.random() < 0.85:
                messages.append(_assistant(rng, 0, tools, counter, edge_cases))
    return Conversation(
        messages=messages,
        tools=tools,
        add_generation_prompt=rng.random() < 0.5,
        enable_thinking=rng.random() < 0.5,
    )
