"""What a rule check reports: one defect, attributed to a turn or to the whole trajectory."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from toolmind.schema import Message, ToolCall, Trajectory

Scope = Literal["trajectory", "turn"]


@dataclass(frozen=True)
class Finding:
    """One defect found by a rule.

    Attributes:
        rule: short rule name (e.g. `invalid_arguments`).
        message: human-readable explanation naming the call, tool or value involved.
        scope: `trajectory` defects drop the record; `turn` defects mask the assistant turn.
        message_index: index of the assistant message the defect belongs to (None for whole-record defects).
    """

    rule: str
    message: str
    scope: Scope
    message_index: int | None = None

    def reason(self) -> str:
        where = f" (message {self.message_index})" if self.message_index is not None else ""
        return f"{self.rule}{where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "message": self.message,
            "scope": self.scope,
            "message_index": self.message_index,
        }


@dataclass
class CallRecord:
    """One tool call with its position, decoded arguments and the tool's answer."""

    message_index: int
    call: ToolCall
    arguments: dict[str, Any] | None
    argument_error: str | None
    result_index: int | None = None
    result: Message | None = None

    @property
    def name(self) -> str:
        return self.call.function.name

    def result_error(self) -> str | None:
        """The error text when the tool rejected this call, else None."""
        return tool_error_text(self.result.content) if self.result is not None else None


def tool_error_text(content: str) -> str | None:
    """Recognise an error result: a JSON object with an `error` key, or text starting with `error`."""
    text = content.strip()
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = None
        if isinstance(value, dict):
            err = value.get("error") or value.get("errors")
            if err:
                return err if isinstance(err, str) else json.dumps(err, ensure_ascii=False)
            return None
    if text[:5].lower() == "error":
        return text[:200]
    return None


def index_calls(traj: Trajectory) -> list[CallRecord]:
    """All tool calls in order, each paired with its first result message (if any)."""
    records: list[CallRecord] = []
    by_id: dict[str, CallRecord] = {}
    for i, msg in enumerate(traj.messages):
        if msg.role == "assistant" and msg.tool_calls:
            for call in msg.tool_calls:
                try:
                    args: dict[str, Any] | None = call.function.parsed_arguments()
                    err = None
                except ValueError as exc:
                    args, err = None, str(exc)
                rec = CallRecord(i, call, args, err)
                records.append(rec)
                by_id.setdefault(call.id, rec)
        elif msg.role == "tool" and msg.tool_call_id is not None:
            rec_or_none = by_id.get(msg.tool_call_id)
            if rec_or_none is not None and rec_or_none.result is None:
                rec_or_none.result_index = i
                rec_or_none.result = msg
    return records
