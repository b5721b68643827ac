"""Tool-call validation against a tool's parameter schema, as a strict real API would do it.

The tool agent runs this before any simulation: an unknown tool, arguments that are not a JSON object, a
missing required argument, an unexpected argument, a wrong type or a value outside an enum all produce a
JSON error result instead of a simulated success. The first problem found is reported, with the argument
path, like an HTTP 400 body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from toolmind.schema import ToolCall, ToolSpec
from toolmind.synth.values import norm_type

_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


@dataclass(frozen=True)
class CallError:
    """Why a call was rejected: `kind` is a stable tag, `message` what the API would say."""

    kind: str  # unknown_tool | invalid_arguments | missing_argument | unexpected_argument | invalid_type | invalid_value
    message: str

    def result(self) -> dict[str, Any]:
        """The JSON body the tool returns for this error."""
        return {"error": {"type": self.kind, "message": self.message}}


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def check_value(path: str, value: Any, schema: dict[str, Any]) -> CallError | None:
    """Check one value against a (small) JSON Schema: type, enum, items, nested properties."""
    t = norm_type(schema)
    if t is not None and t in _PY_TYPES:
        ok = isinstance(value, _PY_TYPES[t]) and not (t in ("integer", "number") and isinstance(value, bool))
        if not ok:
            return CallError(
                "invalid_type", f"Argument '{path}' must be of type {t}, got {_type_name(value)}."
            )
    enum = schema.get("enum")
    if isinstance(enum, list) and enum and value not in enum:
        allowed = ", ".join(json.dumps(e) for e in enum)
        return CallError(
            "invalid_value", f"Argument '{path}' must be one of {allowed}, got {json.dumps(value)}."
        )
    if t == "array" and isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            err = check_value(f"{path}[{i}]", item, schema["items"])
            if err:
                return err
    if t == "object" and isinstance(value, dict) and isinstance(schema.get("properties"), dict):
        return check_object(path + ".", value, schema, strict=False)
    return None


def check_object(
    prefix: str, args: dict[str, Any], schema: dict[str, Any], *, strict: bool
) -> CallError | None:
    """Check an arguments object: required keys, unexpected keys (when `strict`), each value."""
    props: dict[str, Any] = schema.get("properties") or {}
    for name in schema.get("required") or []:
        if name not in args:
            return CallError("missing_argument", f"Missing required argument '{prefix}{name}'.")
    for name, value in args.items():
        if name not in props:
            if strict:
                known = ", ".join(props) or "none"
                return CallError(
                    "unexpected_argument",
                    f"Unexpected argument '{prefix}{name}'. Accepted arguments: {known}.",
                )
            continue
        sub = props[name] if isinstance(props[name], dict) else {}
        err = check_value(prefix + name, value, sub)
        if err:
            return err
    return None


def validate_call(call: ToolCall, tools: dict[str, ToolSpec]) -> CallError | None:
    """None when `call` is valid for one of `tools`; otherwise the first problem found."""
    name = call.function.name
    spec = tools.get(name)
    if spec is None:
        available = ", ".join(sorted(tools)) or "none"
        return CallError("unknown_tool", f"Tool '{name}' does not exist. Available tools: {available}.")
    try:
        args = call.function.parsed_arguments()
    except ValueError as exc:
        return CallError("invalid_arguments", str(exc))
    return check_object("", args, spec.function.parameters, strict=True)
