"""Invented absolute dates: the known ToolMind data defect (REFERENCE §1).

A user asks for "tomorrow" and, with no clock in the conversation, the assistant calls a tool with
`2024-05-17`. The date is made up. We flag an absolute date in an assistant turn (its tool-call arguments or
its reply) when (a) a user turn so far used a relative time expression, (b) the date appears nowhere in the
context the assistant could see (system, user and tool messages before the turn), and (c) that context has
no clock (a date labelled today/now/current) to compute it from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY_RE = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"

RELATIVE_RE = re.compile(
    r"\b(?:today|tonight|tomorrow|yesterday|day after tomorrow|"
    rf"(?:this|next|last|coming)\s+(?:week(?:end)?|month|year|morning|afternoon|evening|{_DAY_RE})|"
    r"in\s+(?:a|one|two|three|four|five|six|seven|\d+)\s+(?:days?|weeks?|months?)|"
    r"\d+\s+(?:days?|weeks?|months?)\s+(?:ago|from now)|"
    rf"on\s+{_DAY_RE})\b",
    re.IGNORECASE,
)

# A date labelled as the current one ("today is 2025-07-14", {"current_date": "..."}): what lets an
# assistant compute "tomorrow". The date must follow the label closely.
CLOCK_RE = re.compile(
    r"(\btoday(?:'s date)?\s*(?:is|:)|\bcurrent (?:date|time)\s*(?:is|:)?|\bthe date today is|\bas of|"
    r"\bit is now|\bnow is|\"(?:current_date|current_time|today|now|date_today)\"\s*:)",
    re.IGNORECASE,
)
_CLOCK_WINDOW = 40


def has_clock(text: str) -> bool:
    """Whether `text` states the current date (a clock label followed closely by an absolute date)."""
    return any(absolute_dates(text[m.end() : m.end() + _CLOCK_WINDOW]) for m in CLOCK_RE.finditer(text))


# Year first, with dashes or slashes ("2025-07-14", "2022/08/16"): never ambiguous.
_ISO_RE = re.compile(r"\b(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2})?)?\b")
_SLASH_RE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{2,4})\b")
_MONTH_FIRST_RE = re.compile(
    rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b", re.IGNORECASE
)
_DAY_FIRST_RE = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE})\.?(?:,?\s+(\d{{4}}))?\b", re.IGNORECASE
)


def absolute_dates(text: str) -> set[str]:
    """Absolute calendar dates in `text`, normalised to `YYYY-MM-DD` (`????-MM-DD` without a year)."""
    if not any(ch.isdigit() for ch in text):
        return set()
    found: set[str] = set()
    for y, m, d in _ISO_RE.findall(text):
        if 1 <= int(m) <= 12 and 1 <= int(d) <= 31:
            found.add(f"{int(y):04d}-{int(m):02d}-{int(d):02d}")
    for a, b, y in _SLASH_RE.findall(text):
        year = int(y) + 2000 if len(y) == 2 else int(y)
        if 1 <= int(a) <= 12 and 1 <= int(b) <= 31:
            found.add(f"{year:04d}-{int(a):02d}-{int(b):02d}")
    for mon, d, y in _MONTH_FIRST_RE.findall(text):
        if 1 <= int(d) <= 31:
            found.add(f"{y or '????'}-{_MONTHS[mon.lower()]:02d}-{int(d):02d}")
    for d, mon, y in _DAY_FIRST_RE.findall(text):
        if 1 <= int(d) <= 31:
            found.add(f"{y or '????'}-{_MONTHS[mon.lower()]:02d}-{int(d):02d}")
    return found


def has_relative_expression(text: str) -> str | None:
    """The first relative time expression in `text` ("tomorrow", "next friday", ...), else None."""
    match = RELATIVE_RE.search(text)
    return match.group(0) if match else None


def strings_in(value: object) -> Iterable[str]:
    """Every string (and number) leaf of a decoded JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int | float):
        yield str(value)
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_in(v)
