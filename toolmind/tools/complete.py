"""Fill in what imported tools lack: parameter descriptions and types, and a `returns` schema.

The paper has an LLM complete every input and output parameter of the pool (REFERENCE §1); the function
graph needs them, because edges are found between output and input parameters. `complete_tools` asks an
`LLMBackend` for the missing parts of each incomplete tool; with no backend (or when the model's answer
is unusable) it fills them deterministically from parameter names and types, and says which it used.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from toolmind.llm.base import ChatRequest, LLMBackend
from toolmind.schema import Message, ToolSpec

log = logging.getLogger(__name__)

_CREATES = {"create", "add", "book", "send", "place", "schedule", "upload", "register", "submit", "post"}
_LISTS = {"list", "search", "find", "query", "browse"}
_INT = re.compile(
    r"(^|_)(count|num|number|limit|page|size|quantity|age|year|days|hours|minutes|top_k|n)$|^(num|number_of|n)_"
)
_NUM = re.compile(
    r"(^|_)(amount|price|cost|rate|lat|latitude|lon|lng|longitude|score|weight|height|radius|percent|total)$"
)
_BOOL = re.compile(r"^(is|has|include|enable|allow|use|only|show)_|_(enabled|only|flag)$")

PROMPT = """You complete a function specification for an API catalogue. Fill in what is missing and keep
everything that is given. Answer with one JSON object and nothing else:
{{"parameters": {{"<param>": {{"type": "<JSON-Schema type>", "description": "<one sentence>"}}, ...}},
 "returns": <JSON Schema of the object the function returns, with a description on every property>}}

Function:
{spec}"""


@dataclass
class CompletionReport:
    tools_changed: int = 0
    filled_by_llm: int = 0
    filled_by_rules: int = 0
    llm_failures: int = 0


def needs_completion(tool: ToolSpec) -> bool:
    """True when a parameter lacks a type or description, or the tool has no `returns` schema."""
    props = tool.function.parameters.get("properties", {})
    missing = any("type" not in p or not p.get("description") for p in props.values() if isinstance(p, dict))
    return missing or not tool.returns or not tool.returns.get("properties")


def infer_type(name: str) -> dict[str, Any]:
    """A JSON-Schema type guessed from a parameter name."""
    n = name.lower()
    if _BOOL.search(n):
        return {"type": "boolean"}
    if _NUM.search(n):
        return {"type": "number"}
    if _INT.search(n):
        return {"type": "integer"}
    if n.endswith("_ids") or n.endswith("_list"):
        return {"type": "array", "items": {"type": "string"}}
    return {"type": "string"}


def describe(name: str, schema: dict[str, Any]) -> str:
    words = name.replace("_", " ").replace("-", " ").strip()
    if schema.get("type") == "boolean":
        return f"Whether to {words}."
    if words.endswith(" id"):
        return f"Identifier of the {words[:-3]}."
    return f"The {words}."


def infer_returns(tool: ToolSpec) -> dict[str, Any]:
    """A plausible `returns` schema from the tool's name: created ids, result lists or a record."""
    parts = tool.name.lower().split("_")
    verb = parts[0] if len(parts) > 1 else ""
    noun = "_".join(parts[1:]) if verb else tool.name.lower()
    noun = noun.rstrip("s") or "result"
    props: dict[str, Any]
    if verb in _CREATES:
        props = {
            f"{noun}_id": {
                "type": "string",
                "description": f"Identifier of the new {noun.replace('_', ' ')}.",
            },
            "status": {"type": "string", "description": "Status of the request."},
        }
    elif verb in _LISTS:
        item_props = {f"{noun}_id": {"type": "string", "description": f"Identifier of the {noun}."}}
        props = {
            f"{noun}s": {
                "type": "array",
                "description": f"Matching {noun.replace('_', ' ')}s.",
                "items": {"type": "object", "properties": item_props},
            },
            "total_results": {"type": "integer", "description": "Number of matches."},
        }
    else:
        inputs = tool.function.parameters.get("properties", {})
        props = {k: dict(v) for k, v in inputs.items() if k.endswith("_id") and isinstance(v, dict)}
        props[noun] = {"type": "object", "description": f"The {noun.replace('_', ' ')} details."}
    return {"type": "object", "properties": props}


def complete_by_rules(tool: ToolSpec) -> ToolSpec:
    """Deterministic completion from names and types (the scripted path)."""
    params = json.loads(json.dumps(tool.function.parameters))
    for name, schema in params.get("properties", {}).items():
        if "type" not in schema and "enum" not in schema:
            schema.update(infer_type(name))
        if not schema.get("description"):
            schema["description"] = describe(name, schema)
    returns = tool.returns if tool.returns and tool.returns.get("properties") else infer_returns(tool)
    desc = tool.function.description or f"{tool.name.replace('_', ' ').capitalize()}."
    function = tool.function.model_copy(update={"parameters": params, "description": desc})
    return tool.model_copy(update={"function": function, "returns": returns})


def _merge_llm(tool: ToolSpec, answer: dict[str, Any]) -> ToolSpec:
    params = json.loads(json.dumps(tool.function.parameters))
    got = answer.get("parameters", {})
    for name, schema in params.get("properties", {}).items():
        filled = got.get(name, {}) if isinstance(got, dict) else {}
        if "type" not in schema and isinstance(filled.get("type"), str):
            schema["type"] = filled["type"]
        if not schema.get("description") and isinstance(filled.get("description"), str):
            schema["description"] = filled["description"]
    returns = tool.returns
    if not (returns and returns.get("properties")) and isinstance(answer.get("returns"), dict):
        returns = answer["returns"]
    function = tool.function.model_copy(update={"parameters": params})
    # Whatever the model left out is still filled by the rules.
    return complete_by_rules(tool.model_copy(update={"function": function, "returns": returns}))


def _parse_json(text: str) -> dict[str, Any] | None:
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        value = json.loads(text[start : end + 1])
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


async def acomplete_tools(
    tools: list[ToolSpec], backend: LLMBackend | None = None, concurrency: int = 8
) -> tuple[list[ToolSpec], CompletionReport]:
    """Complete every tool that needs it; tools already complete are returned unchanged."""
    report = CompletionReport()
    sem = asyncio.Semaphore(concurrency)

    async def one(tool: ToolSpec) -> ToolSpec:
        if not needs_completion(tool):
            return tool
        report.tools_changed += 1
        if backend is None:
            report.filled_by_rules += 1
            return complete_by_rules(tool)
        spec = json.dumps(tool.model_dump(exclude_none=True), ensure_ascii=False)
        request = ChatRequest(
            messages=[Message(role="user", content=PROMPT.format(spec=spec))],
            temperature=0.0,
            enable_thinking=False,
            context={"role": "tool_completer", "tool": tool.name},
        )
        async with sem:
            completion = await backend.complete(request)
        answer = _parse_json(completion.message.content)
        if answer is None:
            report.llm_failures += 1
            report.filled_by_rules += 1
            log.warning("%s: unusable completion from %s; filled by rules", tool.name, backend.name)
            return complete_by_rules(tool)
        report.filled_by_llm += 1
        return _merge_llm(tool, answer)

    done = await asyncio.gather(*(one(t) for t in tools))
    return list(done), report


def complete_tools(
    tools: list[ToolSpec], backend: LLMBackend | None = None, concurrency: int = 8
) -> tuple[list[ToolSpec], CompletionReport]:
    """Synchronous wrapper of `acomplete_tools` (for CLI use outside an event loop)."""
    return asyncio.run(acomplete_tools(tools, backend, concurrency))
