"""Generate the embedded default pool from its compact specification.

The pool is written as data in `toolmind/tools/data/`: `pool_fields.yaml` holds a vocabulary of typed,
described fields (`order_id`, `latitude`, `currency`, ...) and of output objects built from them, and
`pool_domains_*.yaml` define each tool as `[description, inputs, outputs]` over that vocabulary. Because
tools share fields, an output of one tool and an input of another often carry the same meaning (an
`order_id`, a date, coordinates, an amount): these are the links the function graph finds.

Run `python -m toolmind.tools.pool_build` to regenerate `default_pool.jsonl` after editing the YAML; a
test checks that the shipped JSONL matches the specification.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from toolmind.schema import FunctionSpec, ToolSpec, write_jsonl

DATA_DIR = Path(__file__).parent / "data"
POOL_FILE = DATA_DIR / "default_pool.jsonl"

_TYPE = re.compile(r"^(?P<kind>enum\((?P<enum>[^)]*)\)|array<(?P<item>.+)>|\w+)(?:=(?P<default>.*))?$")
_SCALAR = {"string", "integer", "number", "boolean", "object"}


class PoolSpecError(ValueError):
    """The compact pool specification is inconsistent (names the file, tool and token)."""


def _default(kind: str, raw: str) -> Any:
    if kind == "integer":
        return int(raw)
    if kind == "number":
        return float(raw)
    if kind == "boolean":
        return raw.lower() == "true"
    return raw


def _type_schema(text: str, where: str) -> dict[str, Any]:
    match = _TYPE.match(text.strip())
    if not match:
        raise PoolSpecError(f"{where}: bad type {text!r}")
    if match.group("enum") is not None:
        schema: dict[str, Any] = {
            "type": "string",
            "enum": [v.strip() for v in match.group("enum").split(",")],
        }
    elif match.group("item") is not None:
        schema = {"type": "array", "items": _type_schema(match.group("item"), where)}
    elif match.group("kind") in _SCALAR:
        schema = {"type": match.group("kind")}
    else:
        raise PoolSpecError(f"{where}: unknown type {match.group('kind')!r}")
    if match.group("default") is not None:
        schema["default"] = _default(schema["type"], match.group("default"))
    return schema


def parse_fields(fields: dict[str, str]) -> dict[str, dict[str, Any]]:
    """`{"name": "type[=default] | description"}` -> JSON-Schema fragments."""
    out: dict[str, dict[str, Any]] = {}
    for name, text in fields.items():
        if "|" not in text:
            raise PoolSpecError(f"field {name}: expected 'type | description', got {text!r}")
        kind, desc = (p.strip() for p in text.split("|", 1))
        out[name] = {**_type_schema(kind, f"field {name}"), "description": desc}
    return out


def _humanize(name: str) -> str:
    return name.replace("_", " ").capitalize()


class PoolSpec:
    """The vocabulary plus a method to expand one tool definition."""

    def __init__(self, fields: dict[str, dict[str, Any]], objects: dict[str, str]) -> None:
        self.fields = fields
        self.objects = {name: self._object(text, f"object {name}") for name, text in objects.items()}

    def _field(self, name: str, where: str, alias: str = "", is_input: bool = False) -> dict[str, Any]:
        """The field's schema; an `alias` (parameter name) prefixes the description, inputs state defaults."""
        if name not in self.fields:
            raise PoolSpecError(f"{where}: unknown field {name!r}")
        schema = dict(self.fields[name])
        if alias and alias != name:
            schema["description"] = f"{_humanize(alias)}: {schema['description']}"
        if not is_input:
            schema.pop("default", None)
        elif "default" in schema:
            default = schema["default"]
            shown = repr(default) if isinstance(default, str) else json.dumps(default)
            schema["description"] += f" Defaults to {shown}."
        return schema

    def _object(self, text: str, where: str) -> dict[str, Any]:
        props = {}
        for token in text.split():
            pname, _, field = token.partition(":")
            props[pname] = self._field(field or pname, where, alias=pname)
        return {"type": "object", "properties": props}

    def _output(self, token: str, where: str) -> tuple[str, dict[str, Any]]:
        name, _, ref = token.partition(":")
        if name.endswith("[]"):
            name = name[:-2]
            target = ref or name
            items = self.objects[target] if target in self.objects else self._field(target, where)
            desc = f"List of {name.replace('_', ' ')}."
            return name, {"type": "array", "description": desc, "items": items}
        if name.endswith("{}"):
            name = name[:-2]
            target = ref or name
            if target not in self.objects:
                raise PoolSpecError(f"{where}: unknown object {target!r}")
            return name, {**self.objects[target], "description": f"The {name.replace('_', ' ')}."}
        target = ref or name
        if target in self.objects:
            return name, {**self.objects[target], "description": f"The {name.replace('_', ' ')}."}
        return name, self._field(target, where, alias=name)

    def tool(self, name: str, spec: list[str], where: str) -> ToolSpec:
        if not isinstance(spec, list) or len(spec) != 3:
            raise PoolSpecError(f"{where}: expected [description, inputs, outputs]")
        desc, inputs, outputs = (s or "" for s in spec)
        props: dict[str, Any] = {}
        required: list[str] = []
        for token in inputs.split():
            is_required = token.endswith("!")
            pname, _, field = token.rstrip("!").partition(":")
            if pname in props:
                raise PoolSpecError(f"{where}: duplicate input {pname!r}")
            props[pname] = self._field(field or pname, where, alias=pname, is_input=True)
            if is_required:
                required.append(pname)
        returns = {"type": "object", "properties": dict(self._output(t, where) for t in outputs.split())}
        parameters = {"type": "object", "properties": props, "required": required}
        return ToolSpec(
            function=FunctionSpec(name=name, description=desc, parameters=parameters), returns=returns
        )


def build_pool(data_dir: Path = DATA_DIR) -> list[ToolSpec]:
    """Expand every `pool_domains_*.yaml` under `data_dir` into ToolSpecs (domain order, then file order)."""
    vocab = yaml.safe_load((data_dir / "pool_fields.yaml").read_text(encoding="utf-8"))
    spec = PoolSpec(parse_fields(vocab["fields"]), vocab["objects"])
    tools: list[ToolSpec] = []
    seen: set[str] = set()
    for path in sorted(data_dir.glob("pool_domains_*.yaml")):
        domains = yaml.safe_load(path.read_text(encoding="utf-8"))
        for domain, entries in domains.items():
            for name, entry in entries.items():
                where = f"{path.name}: {domain}.{name}"
                if name in seen:
                    raise PoolSpecError(f"{where}: tool name already used")
                seen.add(name)
                tools.append(spec.tool(name, entry, where))
    return tools


def domains_of(data_dir: Path = DATA_DIR) -> dict[str, str]:
    """tool name -> domain, from the specification files."""
    out: dict[str, str] = {}
    for path in sorted(data_dir.glob("pool_domains_*.yaml")):
        for domain, entries in yaml.safe_load(path.read_text(encoding="utf-8")).items():
            out.update(dict.fromkeys(entries, domain))
    return out


def main() -> int:
    tools = build_pool()
    n = write_jsonl(POOL_FILE, tools)
    sys.stderr.write(f"wrote {n} tools to {POOL_FILE}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
