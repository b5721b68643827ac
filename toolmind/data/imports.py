"""`toolmind data import`: open tool-use datasets into toolmind trajectories (the open-data half of ToolMind).

One reader per published layout (see docs/data.md for the exact fields each expects):
xlam (`query`/`answers`/`tools`), apigen-mt (ShareGPT with function_call/observation), toolace (tools
in the system prompt, Python-style calls), glaive (`system` + `chat` text), when2call (`tools` +
`messages`, `<TOOLCALL>` tags), button (`messages`, `<call>`/`<final>` tags), hermes (ShareGPT with
`<tools>`, `<tool_call>`, `<tool_response>` tags). Calls get ids; results are paired with calls in order.
A record that cannot be converted is skipped and reported with its file, line and reason.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from toolmind.data.parsing import (
    embedded_values,
    loose_json,
    make_call,
    python_calls,
    tagged_blocks,
    to_tools,
    tool_dicts,
)
from toolmind.data.sharegpt import from_conversation
from toolmind.schema import Message, ToolCall, Trajectory, write_jsonl

log = logging.getLogger(__name__)


def _json_list(value: Any) -> list[Any]:
    value = loose_json(value) if isinstance(value, str) else value
    return value if isinstance(value, list) else [value]


def _results_for(pending: list[ToolCall], results: list[str]) -> list[Message]:
    out = []
    for k, text in enumerate(results):
        cid = pending[k].id if k < len(pending) else f"unpaired-{k}"
        out.append(Message(role="tool", tool_call_id=cid, content=text))
    return out


def _dump(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def read_xlam(rec: dict[str, Any], rid: str) -> tuple[list[Any], list[Message]]:
    tools = to_tools(tool_dicts(_json_list(rec["tools"])))
    calls = [
        make_call(f"{rid}-{k}", c["name"], c.get("arguments", {}))
        for k, c in enumerate(_json_list(rec["answers"]))
    ]
    return tools, [Message(role="user", content=rec["query"]), Message(role="assistant", tool_calls=calls)]


def read_apigen_mt(rec: dict[str, Any], rid: str) -> tuple[list[Any], list[Message]]:
    tools = to_tools(tool_dicts(_json_list(rec.get("tools") or [])))
    return tools, from_conversation(rec["conversations"], rec.get("system") or "", rid)


def read_toolace(rec: dict[str, Any], rid: str) -> tuple[list[Any], list[Message]]:
    system = rec.get("system") or ""
    tools = to_tools(tool_dicts(embedded_values(system)))
    messages = [Message(role="system", content=system)] if system else []
    pending: list[ToolCall] = []
    for k, turn in enumerate(rec["conversations"]):
        role, value = turn["from"], turn["value"]
        if role == "assistant":
            calls = python_calls(value)
            if calls is None:
                messages.append(Message(role="assistant", content=value))
                continue
            pending = [make_call(f"{rid}-{k}-{j}", name, args) for j, (name, args) in enumerate(calls)]
            messages.append(Message(role="assistant", tool_calls=pending))
        elif role == "tool":
            results = [_dump(r.get("results", r) if isinstance(r, dict) else r) for r in _json_list(value)]
            messages += _results_for(pending, results)
        else:
            messages.append(Message(role="user", content=value))
    return tools, messages


def read_glaive(rec: dict[str, Any], rid: str) -> tuple[list[Any], list[Message]]:
    system = rec.get("system") or ""
    tools = to_tools(tool_dicts(embedded_values(system)))
    head = system.removeprefix("SYSTEM:").strip()
    messages = [Message(role="system", content=head.split(" -\n")[0] if tools else head)] if head else []
    parts = re.split(r"(USER|ASSISTANT|FUNCTION RESPONSE):", rec["chat"])
    pending: list[ToolCall] = []
    for k in range(1, len(parts) - 1, 2):
        role, text = parts[k], parts[k + 1].replace("<|endoftext|>", "").strip()
        if role == "USER":
            messages.append(Message(role="user", content=text))
        elif role == "FUNCTION RESPONSE":
            messages += _results_for(pending, [text])
        elif "<functioncall>" in text:
            before, _, call_text = text.partition("<functioncall>")
            name = re.search(r'"name"\s*:\s*"([^"]+)"', call_text)
            args = re.search(r'"arguments"\s*:\s*\'(.*)\'\s*\}\s*$', call_text, re.S)
            if name is None:
                raise ValueError(f"functioncall without a name: {call_text[:80]!r}")
            raw_args: Any = args.group(1) if args else loose_json(call_text.strip()).get("arguments", {})
            pending = [make_call(f"{rid}-{k}", name.group(1), raw_args)]
            messages.append(Message(role="assistant", content=before.strip(), tool_calls=pending))
        else:
            messages.append(Message(role="assistant", content=text))
    return tools, messages


def read_when2call(rec: dict[str, Any], rid: str) -> tuple[list[Any], list[Message]]:
    tools = to_tools(tool_dicts(rec.get("tools") or []))
    messages = []
    for k, msg in enumerate(rec["messages"]):
        blocks, text = tagged_blocks(msg.get("content") or "", "<TOOLCALL>", "</TOOLCALL>")
        if msg["role"] == "assistant" and blocks:
            calls = [c for b in blocks for c in _json_list(b)]
            tool_calls = [
                make_call(f"{rid}-{k}-{j}", c["name"], c.get("arguments", {})) for j, c in enumerate(calls)
            ]
            messages.append(Message(role="assistant", content=text, tool_calls=tool_calls))
        else:
            messages.append(Message.model_validate(msg))
    return tools, messages


def read_button(rec: dict[str, Any], rid: str) -> tuple[list[Any], list[Message]]:
    tools: list[Any] = []
    messages: list[Message] = []
    pending: list[ToolCall] = []
    for k, msg in enumerate(rec["messages"]):
        role, content = msg["role"], msg.get("content") or ""
        if role in ("system", "systems"):
            blocks, _ = tagged_blocks(content, "<tool>", "</tool>")
            tools = to_tools(tool_dicts([v for b in blocks for v in embedded_values(b)]))
            messages.append(Message(role="system", content=content))
        elif role == "assistant":
            calls, rest = tagged_blocks(content, "<call>", "</call>")
            finals, thought = tagged_blocks(rest, "<final>", "</final>")
            if calls:
                items = [c for b in calls for c in _json_list(b)]
                pending = [
                    make_call(f"{rid}-{k}-{j}", c["name"], c.get("arguments", {}))
                    for j, c in enumerate(items)
                ]
                messages.append(
                    Message(role="assistant", reasoning_content=thought or None, tool_calls=pending)
                )
            else:
                text = "\n".join(finals) if finals else thought
                messages.append(
                    Message(
                        role="assistant",
                        content=text,
                        reasoning_content=thought if finals and thought else None,
                    )
                )
        elif role == "tool":
            results = [_dump(r.get("results", r) if isinstance(r, dict) else r) for r in _json_list(content)]
            messages += _results_for(pending, results)
        else:
            messages.append(Message(role="user", content=content))
    return tools, messages


def read_hermes(rec: dict[str, Any], rid: str) -> tuple[list[Any], list[Message]]:
    turns = rec["conversations"]
    tools_raw: list[Any] = _json_list(rec["tools"]) if rec.get("tools") else []
    messages: list[Message] = []
    pending: list[ToolCall] = []
    for k, turn in enumerate(turns):
        role, value = turn["from"], turn["value"]
        if role == "system":
            if not tools_raw:
                blocks, _ = tagged_blocks(value, "<tools>", "</tools>")
                tools_raw = [v for b in blocks for v in _json_list(b)] if blocks else []
            messages.append(Message(role="system", content=value))
        elif role == "gpt":
            blocks, text = tagged_blocks(value, "<tool_call>", "</tool_call>")
            calls = [loose_json(b) for b in blocks]
            pending = [
                make_call(f"{rid}-{k}-{j}", c["name"], c.get("arguments", {})) for j, c in enumerate(calls)
            ]
            messages.append(Message(role="assistant", content=text, tool_calls=pending or None))
        elif role == "tool":
            blocks, text = tagged_blocks(value, "<tool_response>", "</tool_response>")
            messages += _results_for(pending, blocks or [text])
        else:
            messages.append(Message(role="user", content=value))
    return to_tools(tool_dicts(tools_raw)), messages


Reader = Callable[[dict[str, Any], str], tuple[list[Any], list[Message]]]
IMPORT_FORMATS: dict[str, Reader] = {
    "xlam": read_xlam,
    "apigen-mt": read_apigen_mt,
    "toolace": read_toolace,
    "glaive": read_glaive,
    "when2call": read_when2call,
    "button": read_button,
    "hermes": read_hermes,
}


def _records(path: Path) -> Iterator[tuple[int, Any]]:
    """(line, record) from a .jsonl file, or (index + 1, item) from a .json array."""
    if path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        yield from enumerate(data if isinstance(data, list) else [data], start=1)
        return
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if line.strip():
                try:
                    yield lineno, json.loads(line)
                except json.JSONDecodeError as exc:
                    yield lineno, exc


def import_file(path: str | Path, fmt: str, out_dir: str | Path, limit: int | None = None) -> dict[str, Any]:
    """Convert `path` (format `fmt`) into OUT/trajectories.jsonl; returns and writes the manifest."""
    if fmt not in IMPORT_FORMATS:
        raise ValueError(f"unknown import format {fmt!r}; choose from {sorted(IMPORT_FORMATS)}")
    reader = IMPORT_FORMATS[fmt]
    src = Path(path)
    trajectories: list[Trajectory] = []
    errors: list[str] = []
    for lineno, rec in _records(src):
        if limit is not None and len(trajectories) >= limit:
            break
        rid = f"{fmt}-{rec.get('id', lineno) if isinstance(rec, dict) else lineno}"
        try:
            if not isinstance(rec, dict):
                raise ValueError(
                    f"invalid JSON: {rec}" if isinstance(rec, Exception) else "not a JSON object"
                )
            tools, messages = reader(rec, rid)
            meta = {"source": fmt, "source_file": src.name, "source_line": lineno}
            trajectories.append(Trajectory(id=rid, tools=tools, messages=messages, meta=meta))
        except KeyError as exc:
            errors.append(f"{src}:{lineno}: field {exc.args[0]!r}: missing")
        except (ValueError, TypeError, ValidationError) as exc:
            errors.append(f"{src}:{lineno}: {str(exc).splitlines()[0][:300]}")
    out = Path(out_dir)
    write_jsonl(out / "trajectories.jsonl", trajectories)
    manifest = {
        "command": "data import",
        "format": fmt,
        "input": str(src),
        "imported": len(trajectories),
        "skipped": len(errors),
        "errors": errors[:100],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    for err in errors[:10]:
        log.warning("skipped %s", err)
    return manifest
