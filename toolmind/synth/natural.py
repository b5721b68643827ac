"""Stated values in natural phrases ("in Houston", "for 5 days", "including the humidity").

The plain templates name every parameter before its value ("with the city Houston and the days 5"). Real
users (and every BFCL question) never do: the value comes in a phrase and the parameter must be inferred
from the schema. `fragment` turns the values whose name says how people phrase them into such phrases;
the rest stay named. The call still carries the exact value, so the model learns the mapping
"phrase in the request -> parameter of the schema", which is what benchmark questions test.
"""

from __future__ import annotations

import random
import re
from typing import Any

from toolmind.synth.values import say, words

_PLACE = {"location", "city", "place", "town", "country", "region", "neighborhood", "venue"}
_PLACES = _PLACE | {"locations", "cities", "countries"}  # lists of places: "in Paris and Rome"
_FROM = {"from", "origin", "source", "departure"}
_TO = {"to", "destination", "target", "arrival"}
_START = {"start", "begin", "from", "since", "check"}  # "check in date" starts a stay
_END = {"end", "until", "through"}
_PERSON = {"full", "first", "last", "customer", "guest", "passenger"}  # "<_PERSON>_name" names a person
_INCLUDE = {"include", "with", "show", "add", "return"}
_COUNT = {"limit", "max", "top", "results"}
_TIME_UNITS = ("days", "years", "hours", "months", "weeks", "minutes", "nights")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _article(text: str) -> str:
    return "an" if text[:1].lower() in "aeiou" else "a"


def _bool(ws: list[str], value: bool, rng: random.Random) -> str | None:
    if ws[0] in _INCLUDE and len(ws) > 1:
        rest = " ".join(ws[1:])
        if value:
            return rng.choice([f"including the {rest}", f"with the {rest}", f"and include the {rest}"])
        return rng.choice([f"without the {rest}", f"excluding the {rest}"])
    if ws[-1] == "only" and len(ws) > 1 and value:
        return f"({' '.join(ws[:-1])} only)"
    return None


def _string(ws: list[str], value: str, rng: random.Random) -> str | None:
    if _DATE.match(value):
        if ws[0] in _END or "out" in ws:
            return rng.choice([f"until {value}", f"to {value}"])
        if ws[0] in _START:
            return f"from {value}"
        return f"on {value}"
    if ws[0] in _FROM or ws[-1] in _FROM:
        return f"from {value}"
    if ws[0] in _TO or ws[-1] in _TO:
        return f"to {value}"
    if ws[-1] in _PLACE or ws == ["state"]:  # not "order state": its values are no places
        return rng.choice(
            [f"in {value}", f"for {value}"] + ([f"near {value}"] if ws[-1] == "location" else [])
        )
    if ws[-1] in ("query", "keyword", "keywords", "term"):
        return f"for '{value}'"
    if len(ws) == 2 and ws[1] == "name" and ws[0] in _PERSON:
        return f"for {value}"  # a person: "for Jonas Rossi", not "for the full 'Jonas Rossi'"
    if ws[-1] in ("name", "title") and len(ws) > 1 and "@" not in value:
        return f"for the {' '.join(ws[:-1])} '{value}'"
    return None


def _number(ws: list[str], value: float, shown: str, rng: random.Random) -> str | None:
    # A bound on something else ("max_price", "max_stops", "salary_max") is no count of results. A trailing
    # "min" is no bound: "duration_min" is minutes.
    bound = [w for w in ws if w not in ("max", "min")]
    if len(bound) < len(ws) and bound and ws[-1] != "min":
        word = "at most" if "max" in ws else "at least"
        if shown[:1].isdigit() and shown.replace(".", "").isdigit():  # a bare number: name what it counts
            return f"with {word} {shown} {' '.join(bound)}"
        return f"for {word} {shown}"  # "$250", "30 minutes": the unit says what it bounds
    if ws[-1] == "year" and isinstance(value, int) and shown == str(value):  # not "a year of 1970"
        if ws[0] in _START:
            return f"from {shown}"
        if ws[0] in _END:
            return rng.choice([f"to {shown}", f"until {shown}"])
        if len(ws) == 1:
            return rng.choice([f"in {shown}", f"for {shown}", f"in the year {shown}"])
    if shown.endswith(_TIME_UNITS):
        return rng.choice([f"for {shown}", f"over the next {shown}", f"for the next {shown}"])
    if isinstance(value, int) and (ws[0] in _COUNT or ws[-1] in _COUNT or ws[:2] == ["num", "results"]):
        return rng.choice([f"(at most {say(value)} results)", f"(top {say(value)})"])
    return None


def fragment(name: str, value: Any, shown: str, rng: random.Random) -> str | None:
    """A natural phrase carrying `value` (said as `shown`) for parameter `name`; None if none fits.

    Numbers without a rule are left to `of_phrase`, the shape BFCL questions use most ("a base of 10")."""
    ws = words(name)
    if not ws:
        return None
    if isinstance(value, bool):
        return _bool(ws, value, rng)
    if isinstance(value, str):
        # "tomorrow" for a date stays named: the invented-date situation depends on the word itself
        return _string(ws, value, rng) if shown == value else None
    if isinstance(value, int | float):
        return _number(ws, value, shown, rng)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value) and ws[-1] in _PLACES:
        return f"in {shown}"
    return None


def of_phrase(param: str, shown: str) -> str:
    """ "a base of 10", "an interest rate of 4%"."""
    return f"{_article(param)} {param} of {shown}"


def join(fragments: list[str], of_parts: list[str]) -> str:
    """The phrases after the task: "in Houston for 3 days with a width of 20 and a height of 12"."""
    out = list(fragments)
    if of_parts:
        tail = of_parts[0] if len(of_parts) == 1 else ", ".join(of_parts[:-1]) + " and " + of_parts[-1]
        out.append(f"with {tail}")
    return " ".join(out)
