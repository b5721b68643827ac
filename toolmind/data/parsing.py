"""Small parsers for the call syntaxes of open tool-use datasets (no `eval`: data is never executed)."""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from toolmind.schema import ToolCall, ToolSpec
from toolmind.tools.normalize import normalize_name, to_toolspec


def loose_json(text: str) -> Any:
    """JSON, or a Python literal (single quotes, True/None) as some datasets write it."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        try:
            return ast.literal_eval(text.strip())
        except (ValueError, SyntaxError) as exc:
            raise ValueError(f"neither JSON nor a Python literal: {text[:80]!r}") from exc


def embedded_values(text: str) -> list[Any]:
    """Every top-level JSON object or array embedded in free text, in order."""
    decoder = json.JSONDecoder()
    out: list[Any] = []
    pos = 0
    while True:
        starts = [p for p in (text.find("{", pos), text.find("[", pos)) if p != -1]
        if not starts:
            return out
        start = min(starts)
        try:
            value, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            pos = start + 1
            continue
        out.append(value)
        pos = end


def tool_dicts(values: list[Any]) -> list[dict[str, Any]]:
    """The function dicts (having a `name` or a `function`) among decoded values, lists flattened."""
    out: list[dict[str, Any]] = []
    for value in values:
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                item = loose_json(item)
            if isinstance(item, dict) and ("name" in item or "function" in item):
                out.append(item)
    return out


def to_tools(raw: list[dict[str, Any]]) -> list[ToolSpec]:
    """Normalise tool dicts (bare, OpenAI-wrapped, xLAM-style; `required` beside `parameters` too)."""
    tools = []
    for item in raw:
        fn = item.get("function", item)
        if isinstance(fn, dict) and "required" in fn and isinstance(fn.get("parameters"), dict):
            params = dict(fn["parameters"])
            params.setdefault("required", [r for r in fn["required"] if r in params.get("properties", {})])
            fn = {k: v for k, v in fn.items() if k != "required"} | {"parameters": params}
            item = {"type": "function", "function": fn}
        tools.append(to_toolspec(item))
    return tools


def make_call(call_id: str, name: str, arguments: Any) -> ToolCall:
    """A ToolCall with the tool name normalised the way tool specs are."""
    if isinstance(arguments, str):
        arguments = loose_json(arguments) if arguments.strip() else {}
    if not isinstance(arguments, dict):
        raise ValueError(f"arguments of {name!r} must be an object, got {type(arguments).__name__}")
    return ToolCall.make(call_id, normalize_name(name), arguments)


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    raise ValueError("call target is not a name")


def python_calls(text: str) -> list[tuple[str, dict[str, Any]]] | None:
    """`[f(a=1), g(b='x')]` (ToolACE's call syntax) -> [(name, kwargs)]; None when `text` is not calls."""
    stripped = text.strip()
    if not stripped or not re.match(r"^\[?\s*[A-Za-z_][\w.]*\s*\(", stripped):
        return None
    try:
        tree = ast.parse(stripped, mode="eval").body
    except SyntaxError:
        return None
    nodes = tree.elts if isinstance(tree, ast.List) else [tree]
    calls = []
    for node in nodes:
        if not isinstance(node, ast.Call) or node.args:
            return None
        try:
            kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg}
            calls.append((_dotted(node.func), kwargs))
        except ValueError:
            return None
    return calls


def tagged_blocks(text: str, open_tag: str, close_tag: str) -> tuple[list[str], str]:
    """Contents of every `<tag>...</tag>` block and the text outside them."""
    pattern = re.compile(re.escape(open_tag) + r"(.*?)" + re.escape(close_tag), re.S)
    blocks = [m.strip() for m in pattern.findall(text)]
    return blocks, pattern.sub("", text).strip()
