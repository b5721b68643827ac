"""Leakage of hidden goal details into the assistant.

The goal generator gives the *user* agent hidden details (argument values only the user knows). When the
assistant uses such a value before anyone told it (no earlier user, system or tool message contains it and
it is not a tool parameter's declared default), the simulation leaked the goal to the assistant: the trajectory teaches mind reading,
so it is dropped. Long values are matched as substrings of the assistant's text and arguments; short ones
(numbers, codes) only as an exact argument value, and as a whole word in the context; a decimal also
as the percentage it is ("4.2%" tells the assistant 0.042), and a large number in the forms people
write it in ("2.5 million", "2,500,000" and "$2.5M" tell it 2500000), and a date in any spelling
("March 11, 2022" tells it 2022-03-11).
"""

from __future__ import annotations

import json
import re
from typing import Any

from toolmind.filter.dates import absolute_dates, strings_in
from toolmind.filter.findings import CallRecord, Finding
from toolmind.schema import Trajectory


def detail_values(hidden: Any) -> list[str]:
    """Distinct lower-cased string forms of the hidden values (booleans and empty strings skipped)."""
    return sorted({v.strip().lower() for v in strings_in(hidden) if v.strip()})


_PERCENT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*%")


def _as_percentage(value: str, text: str) -> bool:
    """A decimal said as a percentage: 0.042 is known once the user said "4.2%"."""
    try:
        number = float(value)
    except ValueError:
        return False
    return 0 < number < 1 and any(abs(float(p) / 100 - number) < 1e-9 for p in _PERCENT.findall(text))


_AMOUNT = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s*(thousand|million|billion)\b|([kKmMbB])\b)?"
)
_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9, "b": 1e9}


def _as_amount(value: str, text: str) -> bool:
    """A large number said as people write it (the filter sees lower-cased text, so "m" may be a metre:
    at worst a leak goes unseen): 2500000 is known once the user said "2.5 million",
    "2,500,000" or "$2.5M"."""
    try:
        number = float(value)
    except ValueError:
        return False
    if number < 1000:
        return False
    for digits, word, letter in _AMOUNT.findall(text):
        scale = _SCALES[(word or letter).lower()] if word or letter else 1.0
        if abs(float(digits.replace(",", "")) * scale - number) < 1e-6 * number:
            return True
    return False


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _as_date(value: str, text: str) -> bool:
    """An ISO date said as people write it: 2022-03-11 is known once the user said "March 11, 2022",
    "11th March 2022" or "2022/03/11"."""
    return _ISO_DATE.fullmatch(value) is not None and value in absolute_dates(text)


def _known(value: str, text: str, min_chars: int) -> bool:
    if _as_percentage(value, text) or _as_amount(value, text) or _as_date(value, text):
        return True
    if len(value) >= min_chars:
        return value in text
    return re.search(r"(?<![\w.])" + re.escape(value) + r"(?![\w]|\.\d)", text) is not None


def leaked_details(traj: Trajectory, calls: list[CallRecord], min_chars: int) -> list[Finding]:
    """One trajectory finding per hidden value the assistant used before it was told."""
    values = detail_values(traj.meta.get("hidden_details"))
    if not values:
        return []
    args_of: dict[int, set[str]] = {}
    args_text: dict[int, str] = {}
    for rec in calls:
        if rec.arguments is not None:
            args_of.setdefault(rec.message_index, set()).update(
                v.strip().lower() for v in strings_in(rec.arguments)
            )
        args_text[rec.message_index] = (
            args_text.get(rec.message_index, "") + " " + rec.call.function.arguments.lower()
        )
    # A tool's declared default is fair to use unasked; an enum value is a choice the user has to make.
    defaults = [
        prop["default"]
        for t in traj.tools
        for prop in t.function.parameters.get("properties", {}).values()
        if isinstance(prop, dict) and "default" in prop
    ]
    context = json.dumps(defaults, ensure_ascii=False).lower()
    known = {v for v in values if _known(v, context, min_chars)}
    findings: list[Finding] = []
    for i, msg in enumerate(traj.messages):
        if msg.role != "assistant":
            text = msg.content.lower()
            known.update(v for v in values if v not in known and _known(v, text, min_chars))
            continue
        long_text = msg.content.lower() + args_text.get(i, "")
        for v in values:
            if v in known:
                continue
            used = v in args_of.get(i, set()) or (len(v) >= min_chars and v in long_text)
            if used:
                known.add(v)  # report each value once
                findings.append(
                    Finding(
                        "hidden_detail_leak",
                        f"assistant used {v!r} (message {i}) before the user or a tool gave it",
                        "trajectory",
                    )
                )
    return findings
