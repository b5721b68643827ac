"""Toolkits: typed Python methods whose signature and Google docstring are the tool's schema.

A domain toolkit subclasses `Toolkit` and marks its tools with `@tool("read" | "write" | "generic")`.
`specs()` derives OpenAI tool specs (`toolmind.schema.ToolSpec`) from the signatures and docstrings;
`call()` validates the arguments against that schema, runs the tool and returns a `ToolResult` whose
content is what the agent sees (`"Error: ..."` on failure, as the τ² environment reports errors).
"""

from __future__ import annotations

import inspect
import json
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeVar, get_args, get_origin, get_type_hints

import jsonschema

from toolmind.schema import FunctionSpec, ToolSpec

ToolKind = Literal["read", "write", "generic"]
F = TypeVar("F", bound=Callable[..., Any])


class ToolError(ValueError):
    """A tool refused the call; its message goes back to the caller as `Error: <message>`."""


def tool(kind: ToolKind) -> Callable[[F], F]:
    """Mark a toolkit method as a tool of the given kind (write tools change the database)."""

    def mark(func: F) -> F:
        func.__tau_tool__ = kind  # type: ignore[attr-defined]
        return func

    return mark


@dataclass
class ToolResult:
    """Outcome of one tool call: the text the caller sees, and whether it was an error."""

    content: str
    error: bool = False


def _json_type(tp: Any) -> dict[str, Any]:
    """JSON Schema of a Python annotation (str/int/float/bool, list, Literal, TypedDict, Optional)."""
    origin = get_origin(tp)
    if tp is str:
        return {"type": "string"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if origin is Literal:
        values = list(get_args(tp))
        return {"type": "string", "enum": values}
    if origin is list:
        (item,) = get_args(tp) or (Any,)
        return {"type": "array", "items": _json_type(item)}
    if origin in (typing.Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return _json_type(args[0])
        return {"anyOf": [_json_type(a) for a in args]}
    if typing.is_typeddict(tp):
        hints = get_type_hints(tp)
        doc = _param_docs(inspect.getdoc(tp) or "")
        props = {}
        for name, sub in hints.items():
            props[name] = _json_type(sub)
            if name in doc:
                props[name]["description"] = doc[name]
        return {"type": "object", "properties": props, "required": sorted(tp.__required_keys__)}
    if tp is Any:
        return {}
    raise TypeError(f"unsupported tool parameter annotation {tp!r}")


_SECTION = re.compile(r"^(Args|Arguments|Returns|Raises|Attributes|Yields|Example|Examples|Note):\s*$")


def _param_docs(doc: str) -> dict[str, str]:
    """`name: description` entries of the `Args:`/`Attributes:` section (continuation lines joined)."""
    out: dict[str, str] = {}
    section = ""
    current = ""
    for line in doc.splitlines():
        m = _SECTION.match(line.strip())
        if m and not line.startswith(" "):
            section = m.group(1)
            current = ""
            continue
        if section not in ("Args", "Arguments", "Attributes") or not line.strip():
            continue
        entry = re.match(r"^\s{2,4}(\w+)(?: \([^)]*\))?:\s*(.*)$", line)
        if entry:
            current = entry.group(1)
            out[current] = entry.group(2).strip()
        elif current:
            out[current] = (out[current] + " " + line.strip()).strip()
    return out


def _description(doc: str) -> str:
    lines = []
    for line in doc.splitlines():
        if _SECTION.match(line.strip()) and not line.startswith(" "):
            break
        lines.append(line)
    return "\n".join(lines).strip()


def function_spec(func: Callable[..., Any]) -> ToolSpec:
    """The OpenAI tool spec of a typed function with a Google docstring."""
    doc = inspect.getdoc(func) or ""
    hints = get_type_hints(func)
    params = _param_docs(doc)
    props: dict[str, Any] = {}
    required: list[str] = []
    for name, param in inspect.signature(func).parameters.items():
        if name == "self":
            continue
        schema = _json_type(hints[name])
        if name in params:
            schema["description"] = params[name]
        props[name] = schema
        if param.default is inspect.Parameter.empty:
            required.append(name)
    parameters = {"type": "object", "properties": props, "required": required}
    return ToolSpec(
        function=FunctionSpec(name=func.__name__, description=_description(doc), parameters=parameters)
    )


def to_json(value: Any) -> str:
    """Tool output as the caller sees it: strings verbatim, everything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


class Toolkit:
    """Base of the domain toolkits: tool discovery, schemas, validated calls."""

    # Schemas and validators depend on the class only: built once per toolkit class.
    _class_cache: ClassVar[dict[type, tuple[dict[str, ToolKind], dict[str, ToolSpec], dict[str, Any]]]] = {}

    def __init__(self) -> None:
        cls = type(self)
        if cls not in Toolkit._class_cache:
            kinds: dict[str, ToolKind] = {}
            for name, member in inspect.getmembers(cls, predicate=inspect.isfunction):
                kind = getattr(member, "__tau_tool__", None)
                if kind is not None:
                    kinds[name] = kind
            specs = {name: function_spec(getattr(cls, name)) for name in kinds}
            validators = {
                name: jsonschema.Draft7Validator({**spec.function.parameters, "additionalProperties": False})
                for name, spec in specs.items()
            }
            Toolkit._class_cache[cls] = (kinds, specs, validators)
        self._kinds, self._specs, self._validators = Toolkit._class_cache[cls]
        self._tools: dict[str, Callable[..., Any]] = {name: getattr(self, name) for name in self._kinds}

    @property
    def names(self) -> list[str]:
        return list(self._tools)

    def has(self, name: str) -> bool:
        return name in self._tools

    def kind(self, name: str) -> ToolKind:
        return self._kinds[name]

    def env_functions(self) -> dict[str, Callable[..., Any]]:
        """Functions the benchmark runs on this side's state (task set-up and assertions); none here."""
        return {}

    def specs(self) -> list[ToolSpec]:
        return [self._specs[n] for n in sorted(self._specs)]

    def call(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        """Run one tool; bad names, bad arguments and refusals come back as error results."""
        if name not in self._tools:
            return ToolResult(f"Error: Tool '{name}' not found.", error=True)
        errors = sorted(self._validators[name].iter_errors(arguments), key=lambda e: list(e.path))
        if errors:
            err = errors[0]
            where = ".".join(str(p) for p in err.path)
            return ToolResult(f"Error: argument {where or '<arguments>'}: {err.message}", error=True)
        try:
            return ToolResult(to_json(self._tools[name](**arguments)))
        except ToolError as exc:
            return ToolResult(f"Error: {exc}", error=True)
