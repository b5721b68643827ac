"""Scripted tool results: JSON consistent with the tool's `returns` schema and with the conversation.

Consistency rules: an output field named like an argument echoes the argument (a `get_order(order_id)`
returns that `order_id`); an identical earlier call returns the identical result; every other value is
drawn from the field's schema with an RNG keyed by (trajectory key, tool, arguments), so the same call in
the same trajectory always gets the same answer, whatever the scheduling.
"""

from __future__ import annotations

import json
import random
from typing import Any

from toolmind.schema import Message, ToolCall, ToolSpec
from toolmind.synth.values import coerce, norm_type, sample_object, sample_value


def earlier_result(call: ToolCall, conversation: list[Message]) -> str | None:
    """The content of the result of an identical earlier call (same name and arguments), if any."""
    ids = {
        tc.id
        for m in conversation
        if m.role == "assistant" and m.tool_calls
        for tc in m.tool_calls
        if tc.function.name == call.function.name
        and _same_args(tc.function.arguments, call.function.arguments)
    }
    for m in conversation:
        if m.role == "tool" and m.tool_call_id in ids and '"error"' not in m.content[:12]:
            return m.content
    return None


def _same_args(a: str, b: str) -> bool:
    try:
        return bool(json.loads(a) == json.loads(b))
    except json.JSONDecodeError:
        return a == b


def simulate(call: ToolCall, spec: ToolSpec, conversation: list[Message], key: str) -> str:
    """The JSON text a scripted tool returns for a call that passed validation."""
    cached = earlier_result(call, conversation)
    if cached is not None:
        return cached
    args = call.function.parsed_arguments()
    rng = random.Random(f"{key}|tool|{spec.name}|{json.dumps(args, sort_keys=True)}")
    returns = spec.returns or {}
    t = norm_type(returns)
    if t == "object" or (t is None and returns.get("properties")):
        result: Any = _object(returns, args, rng)
    elif t == "array":
        raw = returns.get("items")
        items: dict[str, Any] = raw if isinstance(raw, dict) else {"type": "string"}
        result = [
            _object(items, args, rng) if norm_type(items) == "object" else sample_value("item", items, rng)
            for _ in range(rng.randint(1, 3))
        ]
    elif t is not None:
        result = {"result": sample_value(spec.name, returns, rng)}
    else:
        result = {"status": "success"}
    return json.dumps(result, ensure_ascii=False)


def _object(schema: dict[str, Any], args: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    out = sample_object(schema, rng)
    _echo(out, schema, args)
    return out


def _echo(value: Any, schema: dict[str, Any], args: dict[str, Any]) -> None:
    """Overwrite fields named like an argument (at any depth) with the argument's value."""
    if isinstance(value, list):
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        for item in value:
            _echo(item, items or {}, args)
        return
    if not isinstance(value, dict):
        return
    props = schema.get("properties") or {}
    for name in value:
        sub = props.get(name) if isinstance(props.get(name), dict) else {}
        if name in args:
            echoed = coerce(args[name], sub or {})
            if echoed is not None:
                value[name] = echoed
        else:
            _echo(value[name], sub or {}, args)


def find_field(value: Any, key: str) -> Any:
    """The first value stored under `key` in a JSON value (depth-first), or None."""
    if isinstance(value, dict):
        if key in value:
            return value[key]
        children: list[Any] = list(value.values())
    elif isinstance(value, list):
        children = value
    else:
        return None
    for child in children:
        found = find_field(child, key)
        if found is not None:
            return found
    return None


def results_by_id(conversation: list[Message]) -> dict[str, Any]:
    """Decoded tool results keyed by tool_call_id (undecodable content kept as text)."""
    out: dict[str, Any] = {}
    for m in conversation:
        if m.role == "tool" and m.tool_call_id:
            try:
                out[m.tool_call_id] = json.loads(m.content)
            except json.JSONDecodeError:
                out[m.tool_call_id] = m.content
    return out


def is_error(result: Any) -> bool:
    return isinstance(result, dict) and "error" in result and len(result) == 1
