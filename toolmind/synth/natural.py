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


def is_date(value: str) -> bool:
    """An ISO calendar date, "2025-03-01"."""
    return bool(_DATE.match(value))


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


def _string(ws: list[str], value: str, rng: random.Random, shown: str | None = None) -> str | None:
    if _DATE.match(value):
        said = shown or value  # "March 11, 2022" for 2022-03-11: the call keeps the ISO date
        if ws[0] in _END or "out" in ws:
            return rng.choice([f"until {said}", f"to {said}"])
        if ws[0] in _START:
            return f"from {said}"
        return f"on {said}"
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


def fragment(name: str, value: Any, shown: str, rng: random.Random, *, date_said: bool = False) -> str | None:
    """A natural phrase carrying `value` (said as `shown`) for parameter `name`; None if none fits.
    `date_said`: `shown` is the date `value` as people write it ("March 11, 2022").

    Numbers without a rule are left to `of_phrase`, the shape BFCL questions use most ("a base of 10")."""
    ws = words(name)
    if not ws:
        return None
    if isinstance(value, bool):
        return _bool(ws, value, rng)
    if isinstance(value, str):
        # "tomorrow" for a date stays named: the invented-date situation depends on the word itself
        if date_said:
            return _string(ws, value, rng, shown)
        return _string(ws, value, rng) if shown == value else None
    if isinstance(value, int | float):
        return _number(ws, value, shown, rng)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value) and ws[-1] in _PLACES:
        return f"in {shown}"
    return None


# Parameters whose value qualifies a thing and is said before it ("thai restaurants", "a comfort ride",
# "frozen cards", "a dorian scale"): BFCL asks so ("pop concerts", "a Tennis player", "vegan restaurants") and
# the model left such values out when the data only ever said them by name ("the cuisine thai").
_QUALIFIERS = {
    "type",
    "kind",
    "category",
    "genre",
    "cuisine",
    "sport",
    "status",
    "state",
    "level",
    "mode",
    "specialty",
    "restriction",
    "quality",
    "diet",
    "style",
}
# Values that qualify nothing when said before a noun ("the off automation", "an other expense").
_NOT_QUALIFIERS = {"off", "on", "yes", "no", "none", "any", "auto", "default", "other", "all", "both"}
# Words a value never goes before, though a tool's name ends with them ("request_time_off").
_NOT_NOUNS = {
    "off",
    "on",
    "in",
    "out",
    "up",
    "by",
    "for",
    "to",
    "from",
    "of",
    "with",
    "and",
    "or",
    "the",
    "get",
}


def _noun_at(task: str, word: str) -> re.Match[str] | None:
    """Where `word` (or its plural or singular) stands in `task` as a whole word."""
    stem = word[:-1] if word.endswith("s") and len(word) > 3 else word
    return re.search(rf"\b(?:{re.escape(stem)}|{re.escape(stem)}e?s)\b", task, flags=re.IGNORECASE)


def qualified_task(
    name: str, value: Any, schema: dict[str, Any], task: str, tool_words: list[str]
) -> str | None:
    """`task` with `value` said before the thing it qualifies ("search restaurants" + cuisine "thai" ->
    "search thai restaurants"), or None where no such thing is named in the task or the value is no word.

    The thing is the name's other words ("ride" of `ride_type`) or else the tool name's ("restaurants" of
    `search_restaurants`)."""
    ws = words(name)
    if not (ws and ws[-1] in _QUALIFIERS and "name" not in ws and isinstance(value, str)):
        return None
    if not re.fullmatch(r"[A-Za-z][A-Za-z ]{2,24}", value) or value.lower() in _NOT_QUALIFIERS:
        return None
    # "place a buy or sell order", "report a power, water or internet outage": the task already names
    # the choices, and "a gas power, water or internet outage" says nothing.
    choices = [value] + [v for v in schema.get("enum") or [] if isinstance(v, str)]
    if any(re.search(rf"\b{re.escape(c)}\b", task, flags=re.IGNORECASE) for c in choices):
        return None
    candidates = [w for w in ws[:-1]] + list(reversed(tool_words))
    for w in candidates:
        if len(w) < 3 or w in _NOT_NOUNS or w in _QUALIFIERS:
            continue
        m = _noun_at(task, w)
        if m is None:
            continue
        head, tail = task[: m.start()], task[m.start() :]
        article = re.search(r"\b(a|an)\s$", head)
        if article:  # "a ride" -> "an xl ride"
            head = head[: article.start()] + _article(value) + " "
        return f"{head}{value} {tail}"
    return None


def enum_phrase(name: str, value: Any) -> str | None:
    """Units, priorities and formats said the way people say them: "in metric units", "with high
    priority", "in pdf format"; None for other parameters."""
    ws = words(name)
    if not ws or not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9]{2,16}", value):
        return None
    if ws[-1] in ("units", "unit") and len(ws) == 1 and value in ("metric", "imperial"):
        return f"in {value} units"
    if ws[-1] == "class":  # "in business class", "in first class"
        return f"in {value} class"
    if ws[-1] == "priority":
        return f"with {value} priority"
    if ws[-1] == "format":
        return f"in {value} format"
    return None


# Names of lists of things to return ("facts", "sections"), said "including the elevation and prominence".
_RETURNED = {
    "facts",
    "properties",
    "stats",
    "sections",
    "include",
    "details",
    "topics",
    "fields",
    "info",
    "extras",
}


def _option_said(item: str) -> str:
    """An enum item as people write it: "Swimming Pool" -> "swimming pool", but "Free WiFi" -> "free
    WiFi" and "UV Index" -> "UV index" (a word with capitals inside stays)."""
    return " ".join(w if any(c.isupper() for c in w[1:]) else w.lower() for w in item.split(" "))


def _options(value: Any, schema: dict[str, Any]) -> bool:
    """Whether `value` is a non-empty list of the enum items `schema` (an array) allows."""
    items = schema.get("items")
    enum = items.get("enum") if isinstance(items, dict) else None
    return bool(enum and isinstance(value, list) and value and all(v in enum for v in value))


def asked_options(name: str, value: Any, schema: dict[str, Any]) -> list[str] | None:
    """The things a request asks for when `name` lists them (`facts: ["Elevation", "Prominence"]` ->
    ["elevation", "prominence"]), said as people write them; None for other parameters."""
    ws = words(name)
    if not (ws and ws[-1] in _RETURNED and _options(value, schema)):
        return None
    return [_option_said(str(v)) for v in value]


def options_phrase(name: str, value: Any, schema: dict[str, Any], rng: random.Random) -> str | None:
    """Several of a fixed set of options said as a request says them ("avoiding tolls and ferries",
    "including the elevation and prominence", "with pool and gym amenities"); None unless `value` is a
    list of the schema's enum items. The call lists them as the enum spells them."""
    ws = words(name)
    if not (ws and _options(value, schema)):
        return None
    said = [_option_said(str(v)) for v in value]
    joined = said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]
    if "avoid" in ws:
        return f"avoiding {joined}"
    if ws[-1] in _RETURNED:
        return rng.choice([f"including the {joined}", f"with the {joined}", f"(just the {joined})"])
    return rng.choice([f"with {joined} {' '.join(ws)}", f"with {joined}"])


# First words of a flag's name that make it a verb ("reply_all", "accepts_new_patients"): no "with <name>".
_FLAG_VERBS = {
    "reply",
    "accepts",
    "approve",
    "diarize",
    "stop",
    "notify",
    "use",
    "apply",
    "send",
    "mark",
    "sample",
}


def flag_phrase(name: str, value: Any, rng: random.Random) -> str | None:
    """A flag turned on, said as people say it ("avoiding tolls", "allowing transfers", "in detail",
    "with equal variance", "that are open now"); None for flags that are off, for those `fragment` says
    already ("including the ...", "(... only)") and for names no phrase fits. BFCL's questions never say
    "true": they mention what the flag turns on ("with toll roads avoided", "assuming equal variance")."""
    ws = words(name)
    if (
        value is not True
        or not ws
        or (ws[0] in _INCLUDE and len(ws) > 1)
        or (ws[-1] == "only" and len(ws) > 1)
    ):
        return None
    rest = " ".join(ws[1:])
    if ws[0] == "avoid" and rest:
        return rng.choice([f"avoiding {rest}", f"with {rest} avoided"])
    if ws[0] == "allow" and rest:
        return rng.choice([f"allowing {rest}", f"with {rest} allowed"])
    if ws[0] == "prefer" and rest:
        return f"preferring {rest}"
    if ws[0] == "is" and rest:
        return f"and make it {rest}"
    if ws[0] == "notify":
        return f"and notify the {rest}" if rest else "and send a notification"
    if ws == ["open", "now"]:
        return "that are open now"
    if ws in (["detailed"], ["verbose"], ["details"]):
        return rng.choice(["in detail", "with full details"])
    if len(ws) > 1 and ws[0] not in _FLAG_VERBS:
        return f"with {' '.join(ws)}"
    return None


def flag_said(name: str, rng: random.Random) -> str | None:
    """A flag turned on, said by what it turns on in any form this module knows ("that are open now",
    "including the archived", "(unread only)", "with equal variance"); None where none fits, for the
    flag to be said by name."""
    ws = words(name)
    if not ws:
        return None
    return flag_phrase(name, True, rng) or _bool(ws, True, rng)


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
