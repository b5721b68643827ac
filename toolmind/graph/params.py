"""Flatten tools into the parameters the graph links: inputs and (possibly nested) outputs.

Each parameter becomes one text in the paper's form, `description tag + description + type tag + type`
(plus the parameter name, which carries much of the meaning in real APIs), and a type code used for
the compatibility check. Outputs nested in lists of objects are addressed as `flights[].flight_id`: a
chain picks one element of a returned list and passes its field on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from toolmind.schema import ToolSpec

# Type codes; an input accepts a set of codes (bit mask), an output has one code.
TYPE_CODES = {"string": 0, "integer": 1, "number": 2, "boolean": 3, "object": 4, "null": 0}
ACCEPTS = {
    "string": 1 << 0,
    "integer": 1 << 1,
    "number": (1 << 2) | (1 << 1),
    "boolean": 1 << 3,
    "object": 1 << 4,
}


@dataclass
class ParamTable:
    """Parallel arrays of parameters; `tool` indexes into the tool list."""

    tool: list[int] = field(default_factory=list)
    path: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    types: list[int] = field(default_factory=list)  # outputs: type code; inputs: accepted mask

    def add(self, tool: int, path: str, text: str, kind: int) -> None:
        self.tool.append(tool)
        self.path.append(path)
        self.text.append(text)
        self.types.append(kind)

    def __len__(self) -> int:
        return len(self.tool)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self.tool, dtype=np.int64), np.asarray(self.types, dtype=np.int64)


def _type_name(schema: dict[str, Any]) -> str:
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "dict":
        kind = "object"
    if kind == "float":
        kind = "number"
    return kind if kind in TYPE_CODES or kind == "array" else "string"


def param_text(name: str, schema: dict[str, Any]) -> str:
    """The text embedded for a parameter."""
    words = name.replace("[]", "").split(".")[-1].replace("_", " ")
    kind = _type_name(schema)
    if kind == "array":
        kind = f"array of {_type_name(schema.get('items', {}))}"
    if "enum" in schema:
        kind = f"{kind} (one of {', '.join(map(str, schema['enum'][:8]))})"
    desc = str(schema.get("description", "")).strip()
    return f"parameter: {words}. description: {desc} type: {kind}"


def _accepts(schema: dict[str, Any]) -> int:
    kind = _type_name(schema)
    if kind == "array":
        item = _type_name(schema.get("items", {}))
        return ACCEPTS.get(item, ACCEPTS["string"]) if item != "array" else ACCEPTS["string"]
    return ACCEPTS.get(kind, ACCEPTS["string"])


def _output_code(schema: dict[str, Any]) -> int:
    kind = _type_name(schema)
    while kind == "array":
        schema = schema.get("items", {})
        kind = _type_name(schema)
    return TYPE_CODES.get(kind, 0)


def input_params(tools: list[ToolSpec]) -> ParamTable:
    table = ParamTable()
    for i, tool in enumerate(tools):
        for name, schema in tool.function.parameters.get("properties", {}).items():
            if isinstance(schema, dict):
                table.add(i, name, param_text(name, schema), _accepts(schema))
    return table


def _walk_outputs(
    table: ParamTable, i: int, prefix: str, props: dict[str, Any], depth: int, nested: bool
) -> None:
    for name, schema in props.items():
        if not isinstance(schema, dict):
            continue
        path = f"{prefix}{name}"
        kind = _type_name(schema)
        inner = schema
        suffix = ""
        if kind == "array":
            inner = schema.get("items", {}) if isinstance(schema.get("items"), dict) else {}
            suffix = "[]"
        inner_props = inner.get("properties") if _type_name(inner) == "object" else None
        if isinstance(inner_props, dict) and inner_props and nested and depth < 2:
            _walk_outputs(table, i, f"{path}{suffix}.", inner_props, depth + 1, nested)
            continue
        table.add(i, path + suffix, param_text(name, schema), _output_code(schema))


def output_params(tools: list[ToolSpec], nested: bool = True) -> ParamTable:
    """Output parameters from each tool's `returns` (top-level properties, nested fields if `nested`)."""
    table = ParamTable()
    for i, tool in enumerate(tools):
        returns = tool.returns or {}
        props = returns.get("properties") if isinstance(returns, dict) else None
        if isinstance(props, dict):
            _walk_outputs(table, i, "", props, 0, nested)
    return table


_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")
_ID = re.compile(r"^(?P<stem>.*?)_?(?:id|ids|uuid)$")
NOT_ID, ANY_ID = -1, -2


def id_entity(path: str) -> str | None:
    """The entity an identifier parameter names (`room_booking_id` -> 'booking', `userIds` -> 'user'),
    '' for a bare `id`, None when the parameter is not an identifier."""
    leaf = _CAMEL.sub(r"_\1", path.split(".")[-1].replace("[]", "")).lower()
    if leaf not in ("id", "ids", "uuid") and not leaf.endswith(("_id", "_ids", "_uuid")):
        return None
    match = _ID.match(leaf)
    if match is None:
        return None
    stem = match.group("stem").strip("_").split("_")[-1]
    if not stem:
        return ""
    return stem[:-1] if stem.endswith("s") and len(stem) > 3 else stem


def id_codes(out_paths: list[str], in_paths: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Integer entity codes per output and input parameter (NOT_ID, ANY_ID for a bare `id`, or >= 0)."""
    codes: dict[str, int] = {}

    def code(path: str) -> int:
        ent = id_entity(path)
        if ent is None:
            return NOT_ID
        return ANY_ID if ent == "" else codes.setdefault(ent, len(codes))

    return (
        np.fromiter((code(p) for p in out_paths), dtype=np.int64, count=len(out_paths)),
        np.fromiter((code(p) for p in in_paths), dtype=np.int64, count=len(in_paths)),
    )
