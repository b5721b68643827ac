"""Decode a model's raw Qwen3 completion into an assistant `Message`.

`parse` is the inverse of the assistant part of `render`: for every assistant turn the renderer writes,
`parse(text)` gives back its reasoning, content and tool calls, and rendering the parsed message in the
same place writes the same text.

It never raises on model output. Anything it cannot decode sets `Message.parse_error` (evaluators count
the turn as a failure) and keeps whatever could be decoded:

- an unclosed `<think>` (generation stopped while thinking),
- a `<tool_call>` without `</tool_call>`, a stray `</tool_call>`,
- a call body that is not JSON, not an object, or lacks a string `name` or an object `arguments`,
- text after the first tool call that is not another tool call.
"""

from __future__ import annotations

import json
from typing import Any

from toolmind.schema import FunctionCall, Message, ToolCall

STOP_TOKENS = ("<|im_end|>", "<|endoftext|>")
THINK_OPEN, THINK_CLOSE = "<think>", "</think>"
CALL_OPEN, CALL_CLOSE = "<tool_call>", "</tool_call>"


def _cut_at_stop(text: str) -> str:
    """The completion up to the first stop token (a model that runs on past it is cut there)."""
    for stop in STOP_TOKENS:
        position = text.find(stop)
        if position != -1:
            text = text[:position]
    return text


def _split_think(text: str) -> tuple[str | None, str, str | None]:
    """(reasoning, rest, error), following the template's own `</think>` split."""
    if THINK_CLOSE in text:
        reasoning = text.split(THINK_CLOSE)[0].split(THINK_OPEN)[-1].strip("\n")
        return reasoning, text.split(THINK_CLOSE)[-1].lstrip("\n"), None
    stripped = text.lstrip()
    if stripped.startswith(THINK_OPEN):
        reasoning = stripped[len(THINK_OPEN) :].strip("\n")
        return reasoning, "", "unclosed <think>: the completion ended while reasoning"
    return None, text, None


def _decode_call(body: str, number: int) -> tuple[FunctionCall | None, str | None]:
    """The body of the `number`-th `<tool_call>` → (function, error)."""
    try:
        value: Any = json.loads(body)
    except json.JSONDecodeError as exc:
        return None, f"tool call {number}: invalid JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(value, dict):
        return None, f"tool call {number}: expected a JSON object, got {type(value).__name__}"
    name = value.get("name")
    if not isinstance(name, str) or not name:
        return None, f"tool call {number}: missing or non-string 'name'"
    if "arguments" not in value:
        return None, f"tool call {number} ({name}): missing 'arguments'"
    arguments = value["arguments"]
    if not isinstance(arguments, dict):
        return (
            None,
            f"tool call {number} ({name}): 'arguments' must be an object, got {type(arguments).__name__}",
        )
    return FunctionCall(name=name, arguments=json.dumps(arguments, ensure_ascii=False)), None


def _split_calls(text: str) -> tuple[str, list[ToolCall], list[str]]:
    """(content, calls, errors) of the text after the think block."""
    errors: list[str] = []
    start = text.find(CALL_OPEN)
    if start == -1:
        if CALL_CLOSE in text:
            errors.append("stray </tool_call> without <tool_call>")
        return text, [], errors
    head = text[:start]
    content = head[:-1] if head.endswith("\n") else head  # the renderer's separator before the calls
    if CALL_CLOSE in head:
        errors.append("stray </tool_call> before the first <tool_call>")
    calls: list[ToolCall] = []
    number = 0
    rest = text[start:]
    while rest:
        if not rest.startswith(CALL_OPEN):
            errors.append(f"unexpected text after tool call {number - 1}: {rest[:40]!r}")
            break
        end = rest.find(CALL_CLOSE)
        if end == -1:
            errors.append(f"tool call {number}: unclosed <tool_call>")
            break
        function, error = _decode_call(rest[len(CALL_OPEN) : end].strip(), number)
        number += 1
        if function is not None:
            calls.append(ToolCall(id=f"call_{len(calls)}", function=function))
        if error is not None:
            errors.append(error)
        rest = rest[end + len(CALL_CLOSE) :].lstrip()
    return content, calls, errors


def parse(text: str) -> Message:
    """Decode a raw completion (the text after the generation prompt) into an assistant Message.

    Args:
        text: what the model generated; may start with `<think>` or with reasoning whose `<think>` was in
            the prompt, and may end with `<|im_end|>` or `<|endoftext|>`.

    Returns:
        An assistant Message. `reasoning_content` is None when the text has no think block. Tool calls
        get ids `call_0`, `call_1`, ... and JSON-string arguments (`json.dumps(..., ensure_ascii=False)`).
        `parse_error` describes every problem found, or is None.
    """
    reasoning, rest, think_error = _split_think(_cut_at_stop(text))
    content, calls, errors = _split_calls(rest)
    if think_error is not None:
        errors.insert(0, think_error)
    return Message(
        role="assistant",
        content=content,
        reasoning_content=reasoning,
        tool_calls=calls or None,
        parse_error="; ".join(errors) if errors else None,
    )
