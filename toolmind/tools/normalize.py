"""Normalise a raw function description from any source into a toolmind `ToolSpec`.

Sources disagree on almost everything: type names (`str`, `float`, `List[int]`, `dict`, `"str, optional"`),
where "required" lives (a list on the object, a flag on each property, an `optional` marker in the type),
and how names are spelled. This module maps all of them onto JSON Schema as the OpenAI tool format uses
it. A tool that cannot be mapped raises `ToolFormatError` with a message naming the offending field; the
importers turn it into a reported skip.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from toolmind.schema import FunctionSpec, ToolSpec

# json.loads(object_pairs_hook=...) marks objects that had repeated keys with this key (see `pairs_hook`).
DUPLICATE_KEYS = "__toolmind_duplicate_keys__"

_SCALARS = {
    "str": "string",
    "string": "string",
    "text": "string",
    "char": "string",
    "date": "string",
    "datetime": "string",
    "time": "string",
    "email": "string",
    "url": "string",
    "uuid": "string",
    "any": "string",
    "int": "integer",
    "integer": "integer",
    "long": "integer",
    "float": "number",
    "double": "number",
    "number": "number",
    "decimal": "number",
    "bool": "boolean",
    "boolean": "boolean",
    "list": "array",
    "array": "array",
    "tuple": "array",
    "set": "array",
    "dict": "object",
    "object": "object",
    "map": "object",
    "hashmap": "object",
    "null": "null",
}
_GENERIC = re.compile(r"^(optional|list|array|tuple|set|dict|union)\s*\[(.*)\]$", re.IGNORECASE)
_NAME_BAD = re.compile(r"[^A-Za-z0-9_.-]+")
MAX_NAME_LEN = 64


class ToolFormatError(ValueError):
    """A tool that cannot be normalised; the message names the field at fault."""


def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """`json.loads` hook that keeps the first of repeated keys and records the repeats."""
    out: dict[str, Any] = {}
    dups: list[str] = []
    for key, value in pairs:
        if key in out:
            dups.append(key)
            continue
        out[key] = value
    if dups:
        out[DUPLICATE_KEYS] = dups
    return out


def normalize_name(raw: Any, what: str = "name") -> str:
    """Turn `raw` into an OpenAI-legal function/parameter name or raise ToolFormatError."""
    if not isinstance(raw, str) or not raw.strip():
        raise ToolFormatError(f"missing {what}")
    name = _NAME_BAD.sub("_", raw.strip()).strip("_")
    if not name:
        raise ToolFormatError(f"{what} {raw!r} has no usable characters")
    return name[:MAX_NAME_LEN]


def parse_type(raw: Any, where: str) -> tuple[dict[str, Any], bool]:
    """Map a type annotation to a JSON-Schema fragment; returns (schema, optional_marker).

    Accepts JSON-Schema type names, Python names (`str`, `List[int]`, `Optional[float]`), xLAM's
    `"str, optional"` and lists like `["string", "null"]`.
    """
    if isinstance(raw, list):
        kinds = [t for t in raw if t != "null"]
        schema, _ = parse_type(kinds[0] if kinds else "string", where)
        return schema, "null" in raw
    if not isinstance(raw, str) or not raw.strip():
        raise ToolFormatError(f"{where}: type {raw!r} is not a type name")
    text = raw.strip()
    optional = False
    if text.lower().endswith(", optional"):
        text, optional = text[: -len(", optional")].strip(), True
    if "|" in text:  # Python 3.10 unions: "str | None"
        parts = [p.strip() for p in text.split("|") if p.strip().lower() not in ("none", "null")]
        optional = optional or len(parts) < len(text.split("|"))
        text = parts[0] if parts else "string"
    match = _GENERIC.match(text)
    if match:
        outer, inner = match.group(1).lower(), match.group(2).strip()
        if outer == "optional":
            schema, _ = parse_type(inner, where)
            return schema, True
        if outer == "union":
            first = [p for p in inner.split(",") if p.strip().lower() not in ("none", "null")]
            schema, _ = parse_type(first[0] if first else "string", where)
            return schema, optional or len(first) < len(inner.split(","))
        if outer == "dict":
            return {"type": "object"}, optional
        item_text = inner.split(",")[0].strip() if outer == "tuple" else inner
        items, _ = parse_type(item_text or "string", where)
        return {"type": "array", "items": items}, optional
    mapped = _SCALARS.get(text.lower())
    if mapped is None:
        raise ToolFormatError(f"{where}: unknown type {raw!r}")
    return {"type": mapped}, optional


def normalize_schema(raw: Any, where: str) -> dict[str, Any]:
    """Normalise one parameter/property schema (recursively for arrays and objects)."""
    if not isinstance(raw, dict):
        raise ToolFormatError(f"{where}: schema must be an object, got {type(raw).__name__}")
    if DUPLICATE_KEYS in raw:
        raise ToolFormatError(f"{where}: repeated key(s) {raw[DUPLICATE_KEYS]}")
    out: dict[str, Any] = {
        k: v for k, v in raw.items() if k not in ("type", "items", "properties", "required")
    }
    out.pop("optional", None)
    if "type" in raw:
        typed, _ = parse_type(raw["type"], where)
        out = {**typed, **out}
    elif "enum" in raw:
        out = {"type": "string", **out}
    kind = out.get("type")
    if kind == "array":
        items = raw.get("items", out.get("items"))
        out["items"] = normalize_schema(items, f"{where}.items") if items is not None else {"type": "string"}
    if kind == "object" and isinstance(raw.get("properties"), dict):
        out.update(normalize_object(raw, where))
    if "enum" in out and not isinstance(out["enum"], list):
        raise ToolFormatError(f"{where}: enum must be a list, got {type(out['enum']).__name__}")
    if "description" in out and not isinstance(out["description"], str):
        out["description"] = str(out["description"])
    return out


def normalize_object(raw: dict[str, Any], where: str, top_level: bool = False) -> dict[str, Any]:
    """Normalise an object schema: property names, property schemas and the required list.

    `top_level` (a tool's parameters) always gets a `required` list; nested objects only when given.
    """
    props = raw.get("properties", {})
    if props is None:
        props = {}
    if isinstance(props, list):  # some sources list parameters as [{"name": ..., ...}]
        props = _props_from_list(props, where)
    if not isinstance(props, dict):
        raise ToolFormatError(f"{where}.properties must be an object, got {type(props).__name__}")
    if DUPLICATE_KEYS in props:
        raise ToolFormatError(f"{where}: duplicate parameter(s) {props[DUPLICATE_KEYS]}")
    required_raw = raw.get("required", [])
    if isinstance(required_raw, bool) or required_raw is None:
        required_raw = []
    if not isinstance(required_raw, list):
        raise ToolFormatError(f"{where}.required must be a list, got {type(required_raw).__name__}")
    out_props: dict[str, Any] = {}
    required: list[str] = []
    renamed: dict[str, str] = {}
    for key, schema in props.items():
        pname = normalize_name(key, f"parameter name in {where}")
        if pname in out_props:
            raise ToolFormatError(f"{where}: duplicate parameter {pname!r}")
        renamed[str(key)] = pname
        optional = (
            isinstance(schema, dict)
            and isinstance(schema.get("type"), str)
            and (
                schema["type"].strip().lower().endswith(", optional")
                or schema["type"].strip().lower().startswith("optional[")
            )
        )
        out_props[pname] = normalize_schema(schema, f"{where}.{pname}")
        flag = schema.get("required") if isinstance(schema, dict) else None
        if isinstance(flag, bool):
            out_props[pname].pop("required", None)
            if flag:
                required.append(pname)
        elif not optional and "required" not in raw and _xlam_style(schema):
            required.append(pname)
    for name in required_raw:
        if isinstance(name, str) and renamed.get(name, name) in out_props:
            required.append(renamed.get(name, name))
    out: dict[str, Any] = {"type": "object", "properties": out_props}
    if required or "required" in raw or top_level:
        out["required"] = list(dict.fromkeys(required))
    return out


def _xlam_style(schema: Any) -> bool:
    # xLAM has no required list: a parameter without ", optional" and without a default is required.
    return isinstance(schema, dict) and "_xlam" in schema and "default" not in schema


def _props_from_list(items: list[Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict) or "name" not in item:
            raise ToolFormatError(f"{where}.properties[{i}] has no name")
        name = str(item["name"])
        if name in out:
            raise ToolFormatError(f"{where}: duplicate parameter {name!r}")
        out[name] = {k: v for k, v in item.items() if k != "name"}
    return out


def to_toolspec(raw: Any) -> ToolSpec:
    """Normalise one raw function dict (OpenAI-wrapped or bare) into a ToolSpec."""
    if not isinstance(raw, dict):
        raise ToolFormatError(f"tool must be an object, got {type(raw).__name__}")
    if DUPLICATE_KEYS in raw:
        raise ToolFormatError(f"repeated key(s) {raw[DUPLICATE_KEYS]}")
    fn: dict[str, Any] = raw["function"] if isinstance(raw.get("function"), dict) else raw
    name = normalize_name(fn.get("name"), "name")
    desc = fn.get("description") or ""
    params_raw = fn.get("parameters", fn.get("arguments", {}))
    if params_raw is None:
        params_raw = {}
    if isinstance(params_raw, list):
        params_raw = {"type": "object", "properties": params_raw}
    if not isinstance(params_raw, dict):
        raise ToolFormatError(f"{name}: parameters must be an object, got {type(params_raw).__name__}")
    if DUPLICATE_KEYS in params_raw:
        raise ToolFormatError(f"{name}: duplicate parameter(s) {params_raw[DUPLICATE_KEYS]}")
    if "properties" not in params_raw and params_raw.get("type") not in ("object", "dict"):
        params_raw = {"type": "object", "properties": {k: _mark_xlam(v) for k, v in params_raw.items()}}
    elif params_raw.get("type", "object") not in ("object", "dict"):
        raise ToolFormatError(
            f"{name}: parameters must be an object schema, got type {params_raw.get('type')!r}"
        )
    parameters = normalize_object(params_raw, f"{name}.parameters", top_level=True)
    _strip_marks(parameters)
    # Output schemas go by several names: toolmind `returns`, ToolACE `results`, some dumps `response`.
    returns_raw = raw.get("returns", fn.get("returns", fn.get("results", fn.get("response"))))
    returns = normalize_schema(returns_raw, f"{name}.returns") if isinstance(returns_raw, dict) else None
    try:
        spec = FunctionSpec(name=name, description=str(desc).strip(), parameters=parameters)
        return ToolSpec(function=spec, returns=returns)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ToolFormatError(f"{name}: {'.'.join(map(str, err['loc']))}: {err['msg']}") from exc


def _mark_xlam(value: Any) -> Any:
    return {**value, "_xlam": True} if isinstance(value, dict) else value


def _strip_marks(schema: dict[str, Any]) -> None:
    for prop in schema.get("properties", {}).values():
        if isinstance(prop, dict):
            prop.pop("_xlam", None)
