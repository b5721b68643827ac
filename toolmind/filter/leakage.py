"""Leakage of hidden goal details into the assistant.

The goal generator gives the *user* agent hidden details (argument values only the user knows). When the
assistant uses such a value before anyone told it (no earlier user, system or tool message contains it),
the simulation leaked the goal to the assistant: the trajectory teaches mind reading, so it is dropped.
"""

from __future__ import annotations

from typing import Any

from toolmind.filter.dates import strings_in
from toolmind.filter.findings import CallRecord, Finding
from toolmind.schema import Trajectory


def detail_values(hidden: Any, min_chars: int) -> list[str]:
    """Distinct lower-cased string forms of the hidden values long enough to be distinctive."""
    values = {v.strip().lower() for v in strings_in(hidden)}
    return sorted(v for v in values if len(v) >= min_chars)


def leaked_details(traj: Trajectory, calls: list[CallRecord], min_chars: int) -> list[Finding]:
    """One trajectory finding per hidden value the assistant used before it was told."""
    values = detail_values(traj.meta.get("hidden_details"), min_chars)
    if not values:
        return []
    call_text: dict[int, str] = {}
    for rec in calls:
        call_text[rec.message_index] = (
            call_text.get(rec.message_index, "") + " " + rec.call.function.arguments
        )
    known: set[str] = set()
    findings: list[Finding] = []
    reported: set[str] = set()
    for i, msg in enumerate(traj.messages):
        if msg.role == "assistant":
            text = (msg.content + " " + call_text.get(i, "")).lower()
            for v in values:
                if v not in known and v not in reported and v in text:
                    reported.add(v)
                    findings.append(
                        Finding(
                            "hidden_detail_leak",
                            f"assistant used {v!r} (message {i}) before the user or a tool gave it",
                            "trajectory",
                        )
                    )
        else:
            text = msg.content.lower()
            known.update(v for v in values if v in text)
    return findings
