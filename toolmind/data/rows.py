"""Trajectory <-> flat row: the master (TRL) row and the Axolotl row.

The TRL row is the OpenAI `messages` + `tools` format every modern trainer reads, plus toolmind's
per-assistant-turn `labels` (TRL itself has no per-turn loss field; `toolmind.data.tokenize` turns the
labels into token masks). Tool specs travel as one JSON string and tool-call arguments as JSON strings
(REFERENCE §2: dicts in an Arrow table get their keys unified across rows and render `"x": null` junk).
Toolmind's `returns` schemas are not part of an OpenAI tool spec (a chat template would render them), so
they ride in `meta` under `tool_returns` and come back on import. Nothing is lost either way.
"""

from __future__ import annotations

import json
from typing import Any

from toolmind.schema import Message, ToolSpec, Trajectory, TurnLabel

RETURNS_KEY = "tool_returns"


def message_dict(msg: Message) -> dict[str, Any]:
    """An OpenAI-format message dict (None fields left out)."""
    return msg.model_dump(exclude_none=True)


def tools_and_returns(traj: Trajectory) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The OpenAI tool specs and the `returns` schemas by tool name."""
    returns = {t.name: t.returns for t in traj.tools if t.returns is not None}
    return [t.openai() for t in traj.tools], returns


def _meta_with_returns(traj: Trajectory, returns: dict[str, Any]) -> dict[str, Any]:
    return {**traj.meta, RETURNS_KEY: returns} if returns else dict(traj.meta)


def to_trl_row(traj: Trajectory) -> dict[str, Any]:
    """The master row: id, messages, tools (JSON string), labels, meta (JSON string)."""
    tools, returns = tools_and_returns(traj)
    return {
        "id": traj.id,
        "messages": [message_dict(m) for m in traj.messages],
        "tools": json.dumps(tools, ensure_ascii=False),
        "labels": [label.model_dump() for label in traj.labels],
        "meta": json.dumps(_meta_with_returns(traj, returns), ensure_ascii=False),
    }


def _load_json(value: Any, what: str) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{what} is not valid JSON: {exc}") from exc
    return value


def _clean_message(raw: dict[str, Any]) -> dict[str, Any]:
    """Drop the None fields Arrow adds to every message, turn dict arguments into JSON strings."""
    msg = {k: v for k, v in raw.items() if v is not None and k != "train"}
    if msg.get("tool_calls"):
        calls = []
        for call in msg["tool_calls"]:
            call = {k: v for k, v in call.items() if v is not None}
            fn = dict(call["function"])
            if not isinstance(fn.get("arguments", "{}"), str):
                fn["arguments"] = json.dumps(fn["arguments"], ensure_ascii=False)
            calls.append({**call, "function": fn})
        msg["tool_calls"] = calls
    elif "tool_calls" in msg:
        del msg["tool_calls"]
    return msg


def _tools(raw: Any, returns: dict[str, Any]) -> list[ToolSpec]:
    specs = _load_json(raw, "tools") or []
    out = []
    for spec in specs:
        spec = _load_json(spec, "tool")
        tool = ToolSpec.model_validate(spec if "function" in spec else {"type": "function", "function": spec})
        if tool.name in returns:
            tool = tool.model_copy(update={"returns": returns[tool.name]})
        out.append(tool)
    return out


def from_trl_row(row: dict[str, Any]) -> Trajectory:
    """Inverse of `to_trl_row` (also accepts dict tools/arguments and the None padding of Arrow rows)."""
    meta = dict(_load_json(row.get("meta") or {}, "meta"))
    returns = meta.pop(RETURNS_KEY, {})
    messages = [_clean_message(m) for m in row["messages"]]
    labels = row.get("labels") or []
    return Trajectory.model_validate(
        {
            "id": row["id"],
            "tools": _tools(row.get("tools"), returns),
            "messages": messages,
            "labels": [{k: v for k, v in lab.items() if v is not None} for lab in labels],
            "meta": meta,
        }
    )


def to_axolotl_row(traj: Trajectory) -> dict[str, Any]:
    """Axolotl `chat_template` row: per-message `train` flags (assistant: its label; others: false)."""
    tools, returns = tools_and_returns(traj)
    train = {label.message_index: label.train for label in traj.labels}
    messages = []
    for i, msg in enumerate(traj.messages):
        messages.append({**message_dict(msg), "train": train.get(i, False)})
    reasons = {str(lab.message_index): lab.reasons for lab in traj.labels if lab.reasons}
    meta = _meta_with_returns(traj, returns)
    if reasons:
        meta = {**meta, "label_reasons": reasons}
    return {"id": traj.id, "messages": messages, "tools": tools, "meta": json.dumps(meta, ensure_ascii=False)}


def from_axolotl_row(row: dict[str, Any]) -> Trajectory:
    """Inverse of `to_axolotl_row`: labels come back from the assistant messages' `train` flags."""
    meta = dict(_load_json(row.get("meta") or {}, "meta"))
    returns = meta.pop(RETURNS_KEY, {})
    reasons: dict[str, list[str]] = meta.pop("label_reasons", {})
    labels = [
        TurnLabel(message_index=i, train=bool(m.get("train", True)), reasons=reasons.get(str(i), []))
        for i, m in enumerate(row["messages"])
        if m.get("role") == "assistant"
    ]
    return Trajectory(
        id=row.get("id") or meta.get("id", "axolotl"),
        tools=_tools(row.get("tools"), returns),
        messages=[Message.model_validate(_clean_message(m)) for m in row["messages"]],
        labels=labels,
        meta=meta,
    )
