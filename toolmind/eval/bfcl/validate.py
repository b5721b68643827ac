"""Safety gate between model output and the official scorer.

The official multi-turn checker turns each decoded call into Python source (``name(k=repr(v), ...)``) and
`eval()`s it, so a crafted function name or argument name executes arbitrary code in the scorer. Every
tool call the Qwen FC decoder would extract is therefore checked before a result file reaches the
scorer: the name must be one of the functions offered to the model in that entry (for multi-turn and
agentic entries: any function of the entry's backend classes, held-out ones included) and argument names
must be identifiers or declared parameters. A response that fails is replaced by a harmless call to a
function that does not exist, so the official scorer counts it wrong, and the entry is listed in the
report as rejected (and counted wrong there too).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from toolmind.eval.bfcl.prompt import extract_tool_calls, render_tool_calls

#: What an unsafe response is replaced with: a call no backend defines (scored wrong, runs nothing).
REJECTED_CALL_NAME = "toolmind_rejected_unsafe_call"
REJECTED_RESPONSE = render_tool_calls([{"name": REJECTED_CALL_NAME, "arguments": {}}])


@dataclass
class Rejection:
    """One unsafe tool call found in a result entry."""

    entry_id: str
    name: str
    reason: str


def allowed_names(entry: dict[str, Any]) -> dict[str, set[str]]:
    """Function name -> declared parameter names, over every function an entry can legitimately call."""
    docs = list(entry.get("function", []))
    for held in (entry.get("missed_function") or {}).values():
        docs.extend(held)
    return {d["name"]: set(d.get("parameters", {}).get("properties", {})) for d in docs}


def check_call(call: Any, allowed: dict[str, set[str]]) -> str | None:
    """Return why a decoded call is unsafe, or None if it may reach the scorer."""
    if not isinstance(call, dict):
        return None  # the decoder rejects non-dict items without evaluating anything
    name = call.get("name")
    if name is None:
        return None
    if not isinstance(name, str) or name not in allowed:
        return f"function name {name!r} is not offered in this entry"
    args = call.get("arguments")
    if isinstance(args, str):  # decode_execute json-loads string arguments
        try:
            args = json.loads(args)
        except json.JSONDecodeError:
            return None
    if isinstance(args, dict):
        for key in args:
            if not isinstance(key, str) or not (key.isidentifier() or key in allowed[name]):
                return f"argument name {key!r} of {name!r} is not an identifier"
    return None


def _sanitize_text(text: Any, entry_id: str, allowed: dict[str, set[str]], out: list[Rejection]) -> Any:
    if not isinstance(text, str):
        return text
    bad = [(c, r) for c in extract_tool_calls(text) if (r := check_call(c, allowed))]
    if not bad:
        return text
    for call, reason in bad:
        out.append(Rejection(entry_id, str(call.get("name"))[:200], reason))
    return REJECTED_RESPONSE


def sanitize_result(result: dict[str, Any], entry: dict[str, Any]) -> tuple[dict[str, Any], list[Rejection]]:
    """Return a copy of one result-file entry with every unsafe response replaced, and what was rejected.

    Handles single-turn results (one string), multi-turn/agentic results (turns of step strings) and
    anything else (left alone: the scorer rejects malformed results without evaluating them).
    """
    rejections: list[Rejection] = []
    allowed = allowed_names(entry)
    value = result.get("result")
    entry_id = str(result.get("id"))
    if isinstance(value, list):
        value = [
            [_sanitize_text(step, entry_id, allowed, rejections) for step in turn]
            if isinstance(turn, list)
            else _sanitize_text(turn, entry_id, allowed, rejections)
            for turn in value
        ]
    else:
        value = _sanitize_text(value, entry_id, allowed, rejections)
    clean = {k: v for k, v in result.items() if k != "inference_log"}
    clean["result"] = value
    return clean, rejections
