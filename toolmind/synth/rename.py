"""Renamed tools and parameters ("fetch_forecast(location=...)" for "get_forecast(city=...)").

A pool names each concept one way: every weather tool takes `city`, every lookup is `get_*`. A small
model trained on it learns the pool's names instead of reading the schema in front of it, and at
inference it calls `weather_forecast(city=...)` where the schema says `detailed_weather_forecast(location=...)`.
`rename_tools` gives a finished trajectory other, equally plausible names: word synonyms
(`city` -> `location`, `get` -> `fetch`), sometimes camelCase, applied consistently to the tool list,
the calls, the tool messages, the assistant's mentions and the hidden details. The user's words are
left alone: users never spell identifiers, so the model must map "the city" onto whatever the schema calls it.
"""

from __future__ import annotations

import json
import random
import re

from toolmind.schema import Trajectory
from toolmind.synth import namespace

# Word -> interchangeable words, as API designers spell the same thing (one direction is enough: the
# pool's names are the keys; the draws never produce a name the schema could not plausibly have).
WORDS: dict[str, tuple[str, ...]] = {
    "get": ("fetch", "retrieve", "lookup", "find"),
    "search": ("find", "lookup", "query"),
    "list": ("get_all", "fetch_all", "enumerate"),
    "create": ("make", "add", "new"),
    "calculate": ("compute", "calc", "estimate"),
    "compute": ("calculate", "calc"),
    "update": ("modify", "edit", "change"),
    "delete": ("remove", "erase"),
    "send": ("post", "deliver"),
    "convert": ("transform", "change"),
    "book": ("reserve",),
    "cancel": ("revoke", "abort"),
    "schedule": ("plan", "arrange"),
    "city": ("location", "place", "town", "city_name"),
    "location": ("place", "area", "region"),
    "address": ("location", "addr"),
    "date": ("day", "on_date"),  # "on_date" alone only (see options() in variant)
    "time": ("when", "at_time"),
    "start": ("begin", "from"),
    "end": ("finish", "until", "to"),
    "amount": ("value", "sum", "total"),
    "price": ("cost", "rate"),
    "query": ("search_term", "keyword", "q"),
    "limit": ("max_results", "count", "top_n"),
    "name": ("title", "label"),
    "title": ("name", "heading"),
    "id": ("identifier", "key", "code"),
    "email": ("email_address", "mail"),
    "phone": ("phone_number", "telephone"),
    "number": ("num", "no"),
    "country": ("nation", "country_name"),
    "code": ("id", "identifier"),
    "user": ("account", "customer", "person"),
    "customer": ("client", "user"),
    "message": ("text", "msg"),
    "text": ("content", "body", "message"),
    "description": ("details", "summary"),
    "note": ("comment", "remark"),
    "type": ("kind", "category"),
    "category": ("type", "kind", "genre"),
    "status": ("state",),
    "duration": ("length", "period"),
    "minutes": ("mins",),
    "hours": ("hrs",),
    "days": ("num_days", "day_count"),
    "year": ("yr",),
    # Not "percentage": a rate drawn as a decimal (0.05) would then sit under a name that says 5.
    "rate": ("ratio",),
    "currency": ("currency_code",),
    "weather": ("climate", "meteo"),
    "forecast": ("prediction", "outlook"),
    "event": ("occasion", "activity"),
    "order": ("purchase",),
    "product": ("item", "article"),
    "item": ("product", "entry"),
    "size": ("dimension", "magnitude"),
    "max": ("maximum", "upper"),
    "min": ("minimum", "lower"),
    "latitude": ("lat",),
    "longitude": ("lon", "lng"),
    "distance": ("range", "length"),
    "total": ("sum", "overall"),
    "language": ("lang", "locale"),
    "image": ("picture", "photo"),
    "file": ("document", "doc"),
    "recipient": ("to", "receiver"),
    "destination": ("to", "target"),
    "origin": ("from", "source"),
    "player": ("athlete", "participant"),
    "team": ("club", "squad"),
}

# Qualifiers that are the name's kind, not its owner's: "last_name" is not the person's `name`.
_OWN_NAMES = ("first", "last", "middle", "nick")

# Prefixes a catalogue puts before a plain name ("detailed_weather_forecast", "fetch_..."): drawn only for
# function names, so that the model copies a longer name in full rather than the pool's short one.
PREFIXES = ("detailed", "advanced", "simple", "quick", "smart", "online")


def chosen(seed: int, trajectory_id: str, share: float) -> bool:
    """Whether this trajectory is renamed: a stable draw in [0, 1) below `share`."""
    return namespace.chosen(seed, trajectory_id, share, salt="rename")


def _camel(words: list[str]) -> str:
    return words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])


def variant(name: str, rng: random.Random, function: bool = False) -> str:
    """Another spelling of a snake_case identifier: about half its words swapped for synonyms, at least
    one change, sometimes camelCase; function names sometimes get a prefix. Dotted names keep their head."""
    head, _, tail = name.rpartition(".")
    words = tail.split("_")
    if not all(w.isidentifier() or w.isdigit() for w in words):
        return name

    # Multi-word synonyms ("city_name") only for one-word names: inside a compound they read oddly
    # ("country_name_code").
    def options(word: str) -> tuple[str, ...]:
        return tuple(o for o in WORDS.get(word.lower(), ()) if len(words) == 1 or "_" not in o)

    # "planet_name" -> "name": a catalogue's tool about one kind of thing often calls its name just `name`
    # (BFCL: `lawyer.get_experience(name=...)`). A pool that never has a bare `name` parameter taught the
    # demo model to fill one with the function's own name, the call's other "name".
    named = not function and len(words) > 1 and words[-1] == "name" and words[0] not in _OWN_NAMES
    if named and rng.random() < 0.5:
        return f"{head}.name" if head else "name"
    out: list[str] = []
    for w in words:
        choices = options(w)
        out.extend((rng.choice(choices) if choices and rng.random() < 0.5 else w).split("_"))
    if out == words and function and rng.random() < 0.5:
        out = [rng.choice(PREFIXES), *out]
    if out == words:  # nothing swapped: a synonym for one word that has one, else camelCase below
        swappable = [i for i, w in enumerate(words) if options(w)]
        if swappable:
            i = rng.choice(swappable)
            out = [*words[:i], *rng.choice(options(words[i])).split("_"), *words[i + 1 :]]
    new = _camel(out) if (rng.random() < 0.2 or out == words) and len(out) > 1 else "_".join(out)
    return f"{head}.{new}" if head else new


def _mapping(old: list[str], rng: random.Random, function: bool, taken: set[str]) -> dict[str, str]:
    """old -> new, injective and disjoint from `taken`; a name whose draw collides keeps its name."""
    result: dict[str, str] = {}
    used = set(taken)
    for name in old:
        new = variant(name, rng, function)
        if new != name and new not in used and new not in old:
            result[name] = new
            used.add(new)
        else:
            used.add(name)
    return result


def _rename_args(arguments: str, params: dict[str, str]) -> str:
    try:
        value = json.loads(arguments)
    except json.JSONDecodeError:
        return arguments  # an injected invalid call stays as invalid as it was
    if not isinstance(value, dict):
        return arguments
    return json.dumps({params.get(k, k): v for k, v in value.items()}, ensure_ascii=False)


def rename_tools(trajectory: Trajectory, rng: random.Random) -> Trajectory:
    """A copy of `trajectory` with its tools' function and parameter names replaced by variants.

    Parameter renames are per tool (two tools may both take `city` and get different names, as in real
    catalogues); mentions in free text are replaced only where they are identifiers: function names as
    whole words, parameter names only when quoted (`'city'`, `"city"`), so that "the city" stays prose."""
    data = trajectory.model_copy(deep=True)
    fn_names = [t.function.name for t in data.tools]
    functions = _mapping(fn_names, rng, True, set())
    params: dict[str, dict[str, str]] = {}
    own: dict[str, set[str]] = {}  # each (renamed) tool's original parameter names
    for tool in data.tools:
        fn = tool.function
        props = fn.parameters.get("properties")
        if isinstance(props, dict) and props:
            mapping = _mapping(list(props), rng, False, set())
            if mapping:
                fn.parameters = {
                    **fn.parameters,
                    "properties": {mapping.get(k, k): v for k, v in props.items()},
                    "required": [mapping.get(k, k) for k in fn.parameters.get("required", [])],
                }
            params[functions.get(fn.name, fn.name)] = mapping
            own[functions.get(fn.name, fn.name)] = set(props)
        fn.name = functions.get(fn.name, fn.name)
    if not functions and not any(params.values()):
        return trajectory

    fn_pattern = namespace.name_pattern(functions) if functions else None
    every_param = {k: v for mapping in params.values() for k, v in mapping.items()}
    quoted = (
        re.compile(
            r"(['\"`])(" + "|".join(re.escape(n) for n in sorted(every_param, key=len, reverse=True)) + r")\1"
        )
        if every_param
        else None
    )

    def rename_text(text: str | None, tool: str | None = None) -> str | None:
        if not text:
            return text
        if fn_pattern is not None:
            text = fn_pattern.sub(lambda m: functions[m.group(1)], text)
        if quoted is not None:
            # A quoted name is renamed as the tool in question renames it (kept if that tool keeps it,
            # even where another tool respells the same name), else as any tool does.
            mapping, kept = params.get(tool or "", {}), own.get(tool or "", set())

            def respell(m: re.Match[str]) -> str:
                name = m.group(2)
                return (
                    m.group(1) + (mapping.get(name, name) if name in kept else every_param[name]) + m.group(1)
                )

            text = quoted.sub(respell, text)
        return text

    for message in data.messages:
        if message.role == "assistant":
            # A turn that calls one tool speaks of that tool's parameters ("Missing required argument
            # 'body'. I'll fix that"): its text is renamed as that tool renames them.
            called = {functions.get(c.function.name, c.function.name) for c in message.tool_calls or []}
            context = next(iter(called)) if len(called) == 1 else None
            message.reasoning_content = rename_text(message.reasoning_content, context)
            message.content = rename_text(message.content, context) or message.content
            for call in message.tool_calls or []:
                call.function.name = functions.get(call.function.name, call.function.name)
                call.function.arguments = _rename_args(
                    call.function.arguments, params.get(call.function.name, {})
                )
        elif message.role == "tool":
            if message.name:
                message.name = functions.get(message.name, message.name)
            # Results are JSON objects whose keys are output fields, not parameters: only errors that
            # quote a parameter ("missing required parameter 'city'") are rewritten.
            if (message.content and not message.content.lstrip().startswith("{")) or (
                message.content and '"error"' in message.content
            ):
                message.content = rename_text(message.content, message.name) or message.content
    details = data.meta.get("hidden_details")
    if isinstance(details, list):
        for detail in details:
            if isinstance(detail, dict) and isinstance(detail.get("tool"), str):
                tool_name = str(functions.get(detail["tool"], detail["tool"]))
                detail["tool"] = tool_name
                if isinstance(detail.get("arguments"), dict):
                    mapping = params.get(tool_name, {})
                    detail["arguments"] = {mapping.get(k, k): v for k, v in detail["arguments"].items()}
    situations = data.meta.get("situations")
    if isinstance(situations, list):
        situations.append("renamed")
    data.meta = {**data.meta, "renamed": True}
    return data
