"""Where each dataset format keeps its tools, and how to write tools back in that format.

Every reader takes one record (a dict from a JSON/JSONL file) and returns the raw function dicts it
carries; `toolmind.tools.normalize` turns those into `ToolSpec`s. Writers are the inverse and exist so
that tests can round-trip each format and users can export a pool for other toolchains.

Formats:
- `toolspec`: one tool per record, OpenAI `{"type": "function", "function": {...}}` (+ `returns`) or a
  bare JSON-Schema function `{"name", "description", "parameters"}`.
- `openai`: a record with a `tools` list of OpenAI tool specs (e.g. a chat-completions request/row).
- `xlam`: `{"query", "answers", "tools"}`; `tools` is a JSON string; parameters are
  `{name: {"type": "str, optional", "description", "default"}}`, not JSON Schema.
- `toolace`: `{"system", "conversations"}`; the tools are a JSON list inside the system prompt.
- `glaive`: `{"system", "chat"}`; the tools are consecutive JSON objects inside the system prompt.
- `sharegpt`: LLaMA-Factory `{"conversations": [...], "tools": "<JSON string list>", "system"}`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from toolmind.schema import ToolSpec
from toolmind.tools.normalize import ToolFormatError, pairs_hook

FORMATS = ("toolspec", "openai", "xlam", "toolace", "glaive", "sharegpt")

_DECODER = json.JSONDecoder(object_pairs_hook=pairs_hook)


def detect_format(record: dict[str, Any]) -> str:
    """Guess the format of one record from its keys; raises ToolFormatError when nothing fits."""
    keys = set(record)
    if {"query", "answers", "tools"} <= keys:
        return "xlam"
    if "conversations" in keys and "tools" in keys:
        return "sharegpt"
    if "chat" in keys and "system" in keys:
        return "glaive"
    if "conversations" in keys and "system" in keys:
        return "toolace"
    if "function" in keys or ("name" in keys and ("parameters" in keys or "description" in keys)):
        return "toolspec"
    if isinstance(record.get("tools"), list):
        return "openai"
    raise ToolFormatError(f"cannot tell the format from keys {sorted(keys)[:8]}; pass a format explicitly")


def _json_value(value: Any, field: str) -> Any:
    if isinstance(value, str):
        try:
            return _DECODER.decode(value)
        except json.JSONDecodeError as exc:
            raise ToolFormatError(f"field {field!r} is not valid JSON ({exc.msg})") from exc
    return value


def _as_list(value: Any, field: str) -> list[Any]:
    value = _json_value(value, field)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ToolFormatError(f"field {field!r} must be a list of tools, got {type(value).__name__}")
    return value


def _embedded_objects(text: str) -> list[Any]:
    """Every top-level JSON object or array embedded in free text, in order."""
    found: list[Any] = []
    i = 0
    while i < len(text):
        if text[i] in "[{":
            try:
                value, end = _DECODER.raw_decode(text, i)
            except json.JSONDecodeError:
                i += 1
                continue
            found.append(value)
            i = end
        else:
            i += 1
    return found


def read_toolspec(record: dict[str, Any]) -> list[Any]:
    return [record]


def read_openai(record: dict[str, Any]) -> list[Any]:
    return _as_list(record.get("tools"), "tools")


def read_xlam(record: dict[str, Any]) -> list[Any]:
    return _as_list(record.get("tools"), "tools")


def read_sharegpt(record: dict[str, Any]) -> list[Any]:
    return _as_list(record.get("tools"), "tools")


def read_toolace(record: dict[str, Any]) -> list[Any]:
    system = record.get("system")
    if not isinstance(system, str):
        raise ToolFormatError("field 'system' must be a string holding the tool list")
    for value in _embedded_objects(system):
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            return value
    raise ToolFormatError("field 'system' holds no JSON list of tools")


def read_glaive(record: dict[str, Any]) -> list[Any]:
    system = record.get("system")
    if not isinstance(system, str):
        raise ToolFormatError("field 'system' must be a string holding the tools")
    return [v for v in _embedded_objects(system) if isinstance(v, dict)]


READERS: dict[str, Callable[[dict[str, Any]], list[Any]]] = {
    "toolspec": read_toolspec,
    "openai": read_openai,
    "xlam": read_xlam,
    "toolace": read_toolace,
    "glaive": read_glaive,
    "sharegpt": read_sharegpt,
}


# ------------------------------------------------------------------------------------------------
# writers
# ------------------------------------------------------------------------------------------------

_XLAM_TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "object": "dict"}


def _bare(tool: ToolSpec) -> dict[str, Any]:
    return tool.function.model_dump()


def _xlam_param(schema: dict[str, Any], required: bool) -> dict[str, Any]:
    kind = schema.get("type", "string")
    if kind == "array":
        item = schema.get("items", {}).get("type", "string")
        text = f"List[{_XLAM_TYPES.get(item, 'str')}]"
    else:
        text = _XLAM_TYPES.get(kind, "str")
    out = {k: v for k, v in schema.items() if k not in ("type", "items")}
    out["type"] = text if required else f"{text}, optional"
    return out


def write_record(tools: list[ToolSpec], fmt: str) -> list[dict[str, Any]]:
    """Records in `fmt` carrying `tools` (one record, or one per tool for `toolspec`)."""
    if fmt == "toolspec":
        return [t.model_dump(exclude_none=True) for t in tools]
    if fmt == "openai":
        return [{"tools": [t.openai() for t in tools]}]
    if fmt == "xlam":
        xlam = []
        for t in tools:
            params = t.function.parameters
            req = set(params.get("required", []))
            props = {k: _xlam_param(v, k in req) for k, v in params.get("properties", {}).items()}
            xlam.append({"name": t.name, "description": t.function.description, "parameters": props})
        return [{"query": "", "answers": "[]", "tools": json.dumps(xlam)}]
    bare = [_bare(t) for t in tools]
    if fmt == "sharegpt":
        return [{"conversations": [{"from": "human", "value": ""}], "tools": json.dumps(bare), "system": ""}]
    if fmt == "toolace":
        system = (
            "You are an expert in composing functions. Here is a list of functions in JSON format that "
            f"you can invoke:\n{json.dumps(bare)}.\nShould you decide to invoke any of the function(s), "
            "put it in the format of [func1(params_name=params_value)]."
        )
        return [{"system": system, "conversations": [{"from": "user", "value": ""}]}]
    if fmt == "glaive":
        body = "\n\n".join(json.dumps(b, indent=4) for b in bare)
        system = f"SYSTEM: You are a helpful assistant with access to the following functions. Use them if required -\n{body}"
        return [{"system": system, "chat": "USER: hello <|endoftext|>"}]
    raise ValueError(f"unknown tool format {fmt!r}; choose one of {', '.join(FORMATS)}")
