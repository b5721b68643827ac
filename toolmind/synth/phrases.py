"""Templated language of the scripted agents: several phrasings per situation, picked by a seeded RNG.

A small model trained on this data must learn the mapping "values stated in the request -> arguments of
the right tool", when to decline and when to ask, not one memorised sentence; so every situation has
several phrasings and the argument details come in several sentence shapes. Keep reasoning short: the
demo model generates it at evaluation time on a CPU.
"""

from __future__ import annotations

import random
import re
from typing import Any, TypeGuard

from toolmind.schema import ToolSpec
from toolmind.synth.values import is_decimal_rate, phrase, say, words

_IRREGULAR = {"does": "do", "has": "have", "is": "be", "goes": "go"}
_NOT_VERBS = {"this", "status", "news", "is", "was", "has", "address", "process", "access", "analysis"}


def _base_verb(word: str) -> str:
    """Third-person verb to its base form: "Returns" -> "return", "Searches" -> "search"."""
    low = word.lower()
    if low in _IRREGULAR:
        return _IRREGULAR[low]
    if low in _NOT_VERBS or not low.endswith("s") or low.endswith("ss"):
        return low
    if low.endswith("ies"):
        return low[:-3] + "y"
    if re.search(r"(ches|shes|sses|xes|zes)$", low):
        return low[:-2]
    return low[:-1]


def task_phrase(tool: ToolSpec) -> str:
    """What the tool does, as an imperative clause: "get the current weather for a city"."""
    desc = (tool.function.description or "").strip()
    first = re.split(r"(?<=[.!?])\s|\n", desc, maxsplit=1)[0].strip().rstrip(".!?:;") if desc else ""
    first = re.sub(
        r"^(this (tool|function|endpoint|api) |a tool (to|that) |tool to |use this to )",
        "",
        first,
        flags=re.IGNORECASE,
    )
    tokens = first.split()
    if len(tokens) < 2 or len(tokens) > 18:
        return phrase(tool.name)
    tokens[0] = _base_verb(tokens[0])
    text = " ".join(tokens)
    return text[0].lower() + text[1:]


# Verbs a user says instead of the description's first verb (base forms).
_SYNONYMS = {
    "get": ["find", "fetch", "look up", "show"],
    "retrieve": ["get", "find", "fetch", "look up"],
    "fetch": ["get", "find", "look up"],
    "find": ["look for", "search for", "get"],
    "search": ["look for", "find", "search for"],
    "list": ["show", "display"],
    "calculate": ["compute", "work out", "figure out", "determine"],
    "compute": ["calculate", "work out", "figure out"],
    "estimate": ["work out", "calculate", "predict"],
    "create": ["make", "set up", "add", "open"],
    "add": ["put", "include", "insert"],
    "update": ["change", "modify", "edit"],
    "delete": ["remove", "erase", "get rid of"],
    "remove": ["delete", "take out"],
    "cancel": ["call off", "stop", "revoke"],
    "send": ["deliver", "dispatch", "submit"],
    "book": ["reserve", "arrange"],
    "convert": ["change", "translate", "turn"],
    "check": ["verify", "look at", "see"],
    "schedule": ["plan", "arrange", "set up"],
    "generate": ["produce", "make", "create"],
    "return": ["give", "provide", "show"],
    "look": ["check", "find"],
}
# Where a description's head ends and its qualifying tail begins ("... of a triangle given its base").
_TAIL = re.compile(r"\s(given|using|based on|with|by|for a given|including|optionally|from a list)\s.*$")


def spoken_task(tool: ToolSpec, rng: random.Random, paraphrase_share: float) -> str:
    """The task as the user asks for it: usually `task_phrase`, with `paraphrase_share` in other words."""
    task = task_phrase(tool)
    # No draw at share 0: recipes without paraphrasing keep their exact (seeded) output.
    if paraphrase_share <= 0 or rng.random() >= paraphrase_share:
        return task
    style = rng.randrange(3)
    verb, _, rest = task.partition(" ")
    if style == 0 and verb in _SYNONYMS and rest:
        return f"{rng.choice(_SYNONYMS[verb])} {rest}"
    if style == 1:
        head = _TAIL.sub("", task)
        if head != task and len(head.split()) >= 3:
            return head
    words = phrase(tool.name).split()
    if len(words) >= 2 and words[0] in _SYNONYMS:  # a name that starts with a verb: "get stock price"
        verb = rng.choice(_SYNONYMS[words[0]]) if rng.random() < 0.5 else words[0]
        return " ".join([verb, "the", *words[1:]])
    return task


# Units a numeric parameter's name implies: last name word -> how the unit follows (or precedes) the number.
_UNITS = {
    "years": "{} years",
    "days": "{} days",
    "hours": "{} hours",
    "minutes": "{} minutes",
    "seconds": "{} seconds",
    "nights": "{} nights",
    "weeks": "{} weeks",
    "months": "{} months",
    "kg": "{} kg",
    "km": "{} km",
    "cm": "{} cm",
    "mm": "{} mm",
    "meters": "{} meters",
    "miles": "{} miles",
    "celsius": "{} °C",
    "percent": "{}%",
    "pct": "{}%",
    "usd": "${}",
    "deg": "{} degrees",
    "degrees": "{} degrees",
    "gb": "{} GB",
    "mb": "{} MB",
    "feet": "{} feet",
    "ft": "{} feet",
    "inches": "{} inches",
    "lbs": "{} lbs",
    "grams": "{} grams",
    "liters": "{} liters",
    "litres": "{} litres",
    "mph": "{} mph",
    "kmh": "{} km/h",
    "bpm": "{} bpm",
    "kwh": "{} kWh",
    "watts": "{} watts",
    "hz": "{} Hz",
    "calories": "{} calories",
    "kcal": "{} kcal",
    # The science parameters of pool part D: "height_m", "voltage_v", "velocity_mps", ... Single letters
    # are safe here because only numbers get a unit, and no numeric name in the pool ends so otherwise.
    "m": "{} m",
    "mps": "{} m/s",
    "mps2": "{} m/s²",
    "nm": "{} nm",
    "v": "{} V",
    "ohm": "{} ohms",
    "l": "{} L",
    "c": "{} °C",
    "kw": "{} kW",
    "gmol": "{} g/mol",
    "sqm": "{} square meters",
}
# Abbreviations BFCL's questions often write glued to the number ("6cm", "5kg", "300K", "100µF"): the model
# that only saw "6 cm" copies "6cm" into the call, unquoted, and the call no longer parses (14 of the 400
# simple_python entries at the demo's budget, 13 at 9x it; recipes/README.md). Said glued half the time.
_GLUED = {"kg", "km", "cm", "mm", "m", "nm", "V", "kW", "L", "Hz", "GB", "MB", "kWh", "m/s", "°C"}
_MONEY = {"amount", "price", "budget", "cost", "total", "fee", "salary", "income", "balance"}

# Units a description states ("Duration in minutes.", "Mass in kilograms, e.g. 12.5."): BFCL parameters
# are mostly named without a unit ("duration", "mass1") and the question says it ("72 hours", "20 kg"),
# so a model must learn to drop the unit whatever the name. Longest phrases first; "decimal degrees"
# (coordinates) and "the unit of your choice" name no unit anyone says.
_DESC_UNITS = {
    "degrees celsius": "{} °C",
    "degrees fahrenheit": "{} °F",
    "moles per litre": "{} mol/L",
    "moles per liter": "{} mol/L",
    "metres per second": "{} m/s",  # the pattern tries longer phrases first: a speed, not "9.8 meters"
    "meters per second": "{} m/s",
    "volts": "{} V",
    "ohms": "{} ohms",
    "nanometres": "{} nm",
    "nanometers": "{} nm",
    "kilowatts": "{} kW",
    "astronomical units": "{} AU",
    "major currency units": "${}",
    "major units of the currency": "${}",
    "seconds": "{} seconds",
    "minutes": "{} minutes",
    "hours": "{} hours",
    "days": "{} days",
    "weeks": "{} weeks",
    "months": "{} months",
    "years": "{} years",
    "nights": "{} nights",
    "kilograms": "{} kg",
    "grams": "{} grams",
    "pounds": "{} pounds",
    "kilometres": "{} km",
    "kilometers": "{} km",
    "metres": "{} meters",
    "meters": "{} meters",
    "centimetres": "{} cm",
    "centimeters": "{} cm",
    "millimetres": "{} mm",
    "millimeters": "{} mm",
    "miles": "{} miles",
    "feet": "{} feet",
    "inches": "{} inches",
    "litres": "{} litres",
    "liters": "{} liters",
    "gb": "{} GB",
    "mb": "{} MB",
    "kilocalories": "{} kcal",
    "calories": "{} calories",
    "moles": "{} moles",
    "degrees": "{} degrees",
    "percent": "{}%",
    "watts": "{} watts",
    "kwh": "{} kWh",
    "hertz": "{} Hz",
    "mph": "{} mph",
    "bpm": "{} bpm",
}
_DESC_UNIT = re.compile(
    r"\bin (?:the )?(" + "|".join(re.escape(k) for k in sorted(_DESC_UNITS, key=len, reverse=True)) + r")\b"
)


def _unit_template(name: str, stated: dict[str, Any], schema: dict[str, Any] | None) -> str | None:
    """How a number for `name` is said with its unit: from the name's last word, else the description."""
    last = name.lower().split("_")[-1]
    template = _UNITS.get(last)
    if template is None and schema is not None:
        desc = str(schema.get("description", "")).lower()
        if "decimal degrees" not in desc and (m := _DESC_UNIT.search(desc)):
            template = _DESC_UNITS[m.group(1)]
    if template == "${}" and any("currency" in k for k in stated):
        return None  # "$" would contradict a stated currency
    if template is None and last in _MONEY and not any("currency" in k for k in stated):
        template = "${}"
    return template


def is_large_amount(value: Any) -> TypeGuard[int]:
    """A whole number of hundreds from 1000 up: the values `situations.large_amount_share` draws."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1000 and value % 100 == 0


def say_amount(value: int, rng: random.Random, *, money: bool = False) -> str:
    """A large round amount as people write it: "12,000" or "12000"; from a million up also "2.5 million",
    "2,500,000" and, after a "$", "2.5M" (BFCL's questions: "$2,000,000", "12,000 miles", "213 million",
    "$1.2M"). The call carries the whole number, so the model learns to read these forms."""
    for scale, word, letter in ((10**9, "billion", "B"), (10**6, "million", "M")):
        if value >= scale and value % (scale // 10) == 0:
            short = f"{value / scale:g}"
            forms = [f"{short} {word}", f"{value:,}", str(value)]
            weights = [0.45, 0.35, 0.2]
            if money:
                forms.append(short + letter)
                weights.append(0.2)
            return rng.choices(forms, weights)[0]
    return f"{value:,}" if rng.random() < 0.6 else str(value)


def with_unit(
    name: str,
    value: Any,
    stated: dict[str, Any],
    rng: random.Random,
    unit_share: float,
    schema: dict[str, Any] | None = None,
    *,
    amounts: bool = False,
    quantity_share: float = 0.0,
) -> str | None:
    """ "5 years" for years=5, "$120" for price=120 (no currency stated): a number said with its unit, as
    people say it, in `unit_share` of the cases where the name or the description implies one; None
    otherwise. With `amounts`, a large round amount in one of the forms of `say_amount` ("$2.5M"). A rate its
    description calls a decimal is always "4.2%" for 0.042: nobody says "a rate of 0.042", and BFCL's
    questions never do. `quantity_share`: where nothing implies a unit but the name is a measured quantity
    (`base`, `mass`, `charge`), the share said with a unit of that quantity all the same ("6cm", "300 K")."""
    if unit_share <= 0 or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if schema is not None and _decimal_rate(name, value, schema):
        return say_value(name, value, schema)
    template = _unit_template(name, stated, schema)
    if template is None and quantity_share > 0:
        return _quantity_said(name, value, schema or {}, rng, quantity_share)
    if template is None or rng.random() >= unit_share:
        return None
    if template.startswith("{} ") and template[3:] in _GLUED and rng.random() < 0.5:
        template = "{}" + template[3:]
    if amounts and is_large_amount(value):
        return template.format(say_amount(value, rng, money=template.startswith("$")))
    return template.format(say(value))


# Units of measured quantities, for parameters that name the quantity but no unit ("base", "height",
# "charge", "initial_temp"): BFCL's questions say the unit anyway, often glued ("6cm", "5C", "300K",
# "150lbs"), and its answers take the bare number. A model that never saw a unit beside such a parameter
# copied "6cm" into the call unquoted, and the call no longer parsed (13 of simple_python + multiple, expC1).
_QUANTITY_UNITS: dict[str, tuple[str, ...]] = {
    "length": ("cm", "m", "mm", "ft", "km", "inches"),
    "mass": ("kg", "g", "lbs"),
    "temperature": ("K", "°C", "°F"),
    "charge": ("C",),
    "energy": ("J", "kJ"),
    "voltage": ("V",),
    "resistance": ("ohms",),
    "power": ("W", "kW"),
    "pressure": ("atm", "kPa"),
    "speed": ("m/s", "km/h", "mph"),
}
_QUANTITY_WORDS = {
    **dict.fromkeys(
        ["height", "width", "length", "base", "radius", "diameter", "depth", "side", "distance", "thickness"],
        "length",
    ),
    **dict.fromkeys(["altitude", "wavelength", "displacement"], "length"),
    **dict.fromkeys(["mass", "weight"], "mass"),
    **dict.fromkeys(["temperature", "temp"], "temperature"),
    "charge": "charge",
    "energy": "energy",
    "voltage": "voltage",
    "resistance": "resistance",
    "power": "power",
    "pressure": "pressure",
    **dict.fromkeys(["speed", "velocity"], "speed"),
}
_GLUED_QUANTITY = {
    "cm",
    "m",
    "mm",
    "ft",
    "km",
    "kg",
    "g",
    "lbs",
    "K",
    "C",
    "J",
    "kJ",
    "V",
    "W",
    "kW",
    "kPa",
    "m/s",
}
# A description that speaks of units at all ("in any unit", "same unit as the base") says how to read
# the number, one of a count ("Number of characters") measures nothing; one that names no unit leaves it
# to the request.
_UNIT_TALK = re.compile(r"\bunits?\b|\bmeasured in\b|\bin (?:the )?[a-z]+ per\b|\bnumber of\b|\bcount\b")


def _quantity_said(
    name: str, value: float, schema: dict[str, Any], rng: random.Random, share: float
) -> str | None:
    """ "6cm" or "6 cm" for base=6 in `share` of the cases where the name is a measured quantity and
    neither it nor the description names a unit; None otherwise (and no draw where none applies)."""
    if schema.get("type") not in ("number", "integer", "float") or value <= 0:
        return None
    if _UNIT_TALK.search(str(schema.get("description", "")).lower()):
        return None
    ws = [w.rstrip("0123456789") for w in words(name)]  # "charge1", "mass2": BFCL numbers its operands
    kind = next((_QUANTITY_WORDS[w] for w in ws if w in _QUANTITY_WORDS), None)
    if kind is None or rng.random() >= share:
        return None
    unit = rng.choice(_QUANTITY_UNITS[kind])
    glued = unit in _GLUED_QUANTITY and rng.random() < 0.5
    return f"{say(value)}{'' if glued else ' '}{unit}"


def _decimal_rate(name: str, value: Any, schema: dict[str, Any]) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and 0 < value < 1
        and is_decimal_rate(name, schema)
    )


def say_value(name: str, value: Any, schema: dict[str, Any]) -> str:
    """A value as the user says it: a decimal rate as a percentage ("4.2%" for 0.042), else `say`."""
    return f"{value * 100:.4g}%" if _decimal_rate(name, value, schema) else say(value)


_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _ordinal(day: int) -> str:
    return f"{day}{'th' if 10 <= day % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th')}"


def say_date(value: str, rng: random.Random) -> str:
    """An ISO date as people write it: "March 11, 2022", "11th March 2022", "Mar 11, 2022", "2022/03/11"
    (BFCL's questions: "March.11, 2022", "10th December 2022", "July 10, 2022", "2022/08/16"); the call
    keeps the ISO date its description asks for. Never a form that hides the order of day and month
    ("03/11/2022")."""
    year, month, day = (int(x) for x in value.split("-"))
    name = _MONTHS[month - 1]
    short = name[:3]
    return rng.choices(
        [
            f"{name} {day}, {year}",
            f"{name} {_ordinal(day)}, {year}",
            f"{day} {name} {year}",
            f"{_ordinal(day)} {name} {year}",
            f"the {_ordinal(day)} of {name} {year}",
            f"{short} {day}, {year}",
            f"{year}/{month:02d}/{day:02d}",
        ],
        [0.3, 0.15, 0.1, 0.15, 0.1, 0.1, 0.1],
    )[0]


def param_phrase(name: str, schema: dict[str, Any], rng: random.Random, *, unit_said: bool = False) -> str:
    """How the user names a parameter: its name in words, sometimes its short description. A unit that
    ends the name is said after "in" ("the voltage in V"), or not at all when the value already says it
    (`unit_said`: "a mass of 5 kg", not "a mass in kg of 5 kg")."""
    desc = str(schema.get("description", "")).strip().rstrip(".")
    plain = not any(c in desc for c in ",:;()'.")  # one clause: "Number of units. Defaults to 1" is two
    if desc and rng.random() < 0.3 and len(desc.split()) <= 6 and "e.g" not in desc and plain:
        desc = re.sub(r"^(the|a|an) ", "", desc, flags=re.IGNORECASE)
        return desc[0].lower() + desc[1:]
    split = unit_suffix(name, schema)
    if split:  # "weight_kg": "the weight in kg", not "the weight kg"
        return split[0] if unit_said else f"{split[0]} in {split[1]}"
    return phrase(name)


def unit_suffix(name: str, schema: dict[str, Any]) -> tuple[str, str] | None:
    """("voltage", "V") for "voltage_v": a name's words before a unit that ends it, and the unit."""
    ws = words(name)
    unit = _UNIT_SUFFIXES.get(ws[-1]) if len(ws) > 1 else None
    # A single letter is a unit only on a number: "vitamin_c" or "plan_b" as a string is no "in °C".
    if unit and (len(ws[-1]) > 1 or schema.get("type") in ("number", "integer")):
        return " ".join(ws[:-1]), unit
    return None


def field_phrase(name: str, schema: dict[str, Any]) -> str:
    """A result field as a question names it: "the energy", not "the energy j" ("energy_j")."""
    split = unit_suffix(name, schema)
    return split[0] if split else phrase(name)


# Abbreviated units that end parameter names, as they are written after "in": "weight_kg" is "the weight
# in kg", "voltage_v" "the voltage in V", "velocity_mps" "the velocity in m/s". Not _UNITS itself: its
# plain words end counts too ("num_nights" is no "num in nights").
_UNIT_SUFFIXES = {
    "kg": "kg",
    "g": "g",
    "lb": "lb",
    "lbs": "lbs",
    "km": "km",
    "m": "m",
    "cm": "cm",
    "mm": "mm",
    "nm": "nm",
    "mi": "mi",
    "ft": "ft",
    "usd": "USD",
    "eur": "EUR",
    "ms": "ms",
    "sec": "sec",
    "hz": "Hz",
    "kw": "kW",
    "kwh": "kWh",
    "celsius": "Celsius",
    "c": "°C",
    "s": "seconds",
    "deg": "degrees",
    "j": "J",
    "n": "N",
    "w": "W",
    "kpa": "kPa",
    "jkgk": "J/(kg·K)",
    "au": "AU",
    "v": "V",
    "l": "L",
    "ohm": "ohms",
    "mps": "m/s",
    "mps2": "m/s²",
    "gmol": "g/mol",
    "sqm": "square meters",
}


# -- requests ---------------------------------------------------------------------------------------


def details(pairs: list[tuple[str, str]], rng: random.Random) -> str:
    """A sentence stating each (parameter phrase, value) pair; "" when there are none."""
    if not pairs:
        return ""
    if len(pairs) == 1:
        p, v = pairs[0]
        return rng.choice(
            [
                f"The {p} is {v}.",
                f"Use {v} as the {p}.",
                f"The {p} should be {v}.",
                f"{p[0].upper() + p[1:]}: {v}.",
            ]
        )
    style = rng.randrange(4)
    if style == 0:
        parts = [f"the {p} is {v}" for p, v in pairs]
        return _cap(", ".join(parts[:-1]) + " and " + parts[-1]) + "."
    if style == 1:
        parts = [f"{v} for the {p}" for p, v in pairs]
        return "Use " + ", ".join(parts[:-1]) + " and " + parts[-1] + "."
    if style == 2:
        return "; ".join(f"{_cap(p) if i == 0 else p}: {v}" for i, (p, v) in enumerate(pairs)) + "."
    parts = [f"the {p} {v}" for p, v in pairs]
    return _cap("take " + ", ".join(parts[:-1]) + " and " + parts[-1]) + "."


def inline(pairs: list[tuple[str, str]]) -> str:
    """ "with the city Paris and the days 3" (for one-sentence requests)."""
    parts = [f"the {p} {v}" for p, v in pairs]
    if len(parts) == 1:
        return "with " + parts[0]
    return "with " + ", ".join(parts[:-1]) + " and " + parts[-1]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def mine(task: str) -> str:
    """The task as the user says it: "list the user's orders" -> "list my orders".

    As a subject "the user" is "I", with the verb agreeing: "the channels the user belongs to" -> "the
    channels I belong to", "the calendars the user can access" -> "the calendars I can access"."""
    task = re.sub(r"\bthe user's\b", "my", task)
    task = re.sub(r"\bthe user (can|could|will|would|should|may|might|must)\b", r"I \1", task)
    task = re.sub(r"\bthe user is\b", "I am", re.sub(r"\bthe user has\b", "I have", task))
    task = re.sub(r"\bthe user ([a-z]+[^s])s\b", r"I \1", task)
    return re.sub(r"\bthe user\b", "me", task)


def request(task: str, pairs: list[tuple[str, str]], rng: random.Random) -> str:
    """A self-contained request: the task plus every stated value."""
    task = mine(task)
    if not pairs:
        return rng.choice(
            [f"Can you {task}?", f"Please {task}.", f"I need to {task}.", f"Could you {task} for me?"]
        )
    d, i = details(pairs, rng), inline(pairs)
    return rng.choice(
        [
            f"Can you {task}? {d}",
            f"Please {task}. {d}",
            f"I need to {task}. {d}",
            f"{d} Could you {task}?",
            f"Could you {task} {i}?",
            f"I'd like you to {task} {i}.",
            f"Help me {task} {i}, please.",
        ]
    )


# Verbs of tools whose result answers a question ("get the weather" -> "What's the weather in Paris?").
_ASKING_VERBS = frozenset(
    [
        "get",
        "compute",
        "list",
        "search",
        "find",
        "look",
        "check",
        "convert",
        "estimate",
        "calculate",
        "retrieve",
        "suggest",
        "rank",
        "read",
        "translate",
        "give",
        "fetch",
        "show",
        "predict",
        "determine",
        "count",
        "measure",
        "analyze",
        "identify",
        "recommend",
    ]
)
# Output fields no user asks about: identifiers, bookkeeping, the currency of a price.
_UNASKED = re.compile(r"(^|_)(id|ids|currency|url|at|timezone|status|success|ok|deleted|updated|created)$")
_PERSON = frozenset(
    [
        "author",
        "winner",
        "president",
        "owner",
        "artist",
        "director",
        "composer",
        "painter",
        "inventor",
        "founder",
        "leader",
        "champion",
        "ceo",
        "manager",
        "captain",
        "coach",
        "host",
        "singer",
        "writer",
        "creator",
        "discoverer",
    ]
)


def _asked_fields(tool: ToolSpec) -> list[tuple[str, dict[str, Any]]]:
    """Top-level output fields of `tool` a user could ask for, those the description names first."""
    props = (tool.returns or {}).get("properties") or {}
    text = f"{tool.name} {tool.function.description or ''}".lower().replace("_", " ")
    fields = [
        (k, v)
        for k, v in props.items()
        if isinstance(v, dict) and not _UNASKED.search(k) and v.get("type") != "boolean"
    ]
    named = [f for f in fields if any(w in text for w in words(f[0]) if len(w) > 3)]
    return named or fields


def answers(tool: ToolSpec) -> bool:
    """Whether `tool` answers (get, compute, look up...) rather than acts: what a question can ask of."""
    return task_phrase(tool).split(" ", 1)[0] in _ASKING_VERBS


def result_question(
    tool: ToolSpec,
    tail: str,
    pairs: list[tuple[str, str]],
    rng: random.Random,
    avoid: frozenset[str] = frozenset(),
    asked: list[str] | None = None,
    of_share: float = 0.0,
) -> str | None:
    """The request as a question about the tool's result ("What's the release year of ...?", "Who is
    the author ...?"), as benchmark users often ask; None when the tool acts rather than answers, or
    when every field worth asking about is in `avoid` (fields another offered tool returns too).
    `asked`: the things asked for, when a parameter lists them ("What are the elevation and prominence
    of ...?" for `facts: ["Elevation", "Prominence"]`), instead of result fields. `of_share`: the share
    of questions that say their first value after "of", without its parameter ("Who was the inventor of
    the telephone?", "What was the population of California in 1970?"), as people ask; the others name
    it ("... for the invention telephone?"). No draw at 0.

    Relevant requests said only as imperatives teach a small model "a wh-question means decline": the
    no-tool questions of the data are all wh-questions.
    """
    if not answers(tool):
        return None
    rest = _question_rest(tail, pairs, rng, of_share)
    if asked:
        what = "the " + (asked[0] if len(asked) == 1 else ", ".join(asked[:-1]) + " and " + asked[-1])
        many = len(asked) > 1 or asked[0].endswith("s")
        return rng.choice(
            [
                f"What {'are' if many else 'is'} {what}{rest}?",
                f"Tell me {what}{rest}.",
                f"Can you tell me {what}{rest}?",
                f"I'd like to know {what}{rest}.",
            ]
        )
    fields = [(k, v) for k, v in _asked_fields(tool) if phrase(k) not in avoid]
    if not fields:
        return None
    chosen = rng.sample(fields, 2 if len(fields) > 1 and rng.random() < 0.3 else 1)
    what = " and ".join(f"the {field_phrase(k, v)}" for k, v in chosen)
    last = field_phrase(*chosen[0]).split()[-1]
    if len(chosen) == 1 and last in _PERSON:
        return f"Who {rng.choice(['is', 'was'])} {what}{rest}?"
    plural = last.endswith("s") and not last.endswith(("ss", "us", "is"))
    many = len(chosen) > 1 or chosen[0][1].get("type") == "array" or plural
    # Past tense too: benchmark users ask "What was the population of ... in 1970?" of a lookup tool.
    forms = [
        f"What {'are' if many else 'is'} {what}{rest}?",
        f"What {'were' if many else 'was'} {what}{rest}?",
        f"Tell me {what}{rest}.",
        f"Do you know {what}{rest}?",
        f"Can you tell me {what}{rest}?",
        f"I'd like to know {what}{rest}.",
    ]
    if not many:
        forms.append(f"What's {what}{rest}?")
    return rng.choice(forms)


def _question_rest(tail: str, pairs: list[tuple[str, str]], rng: random.Random, of_share: float) -> str:
    """What follows the asked thing in a result question: " of Paris in 2021 with the units metric" with
    `of_share`, else " in 2021 for the city Paris and the units metric"."""
    # The thing asked about: a name, code or number ("of Lisbon", "of prd_36930", "of 450"); not a date, nor
    # a bare lower-case word, which is mostly an option ("the policies of pending").
    of = next((i for i, (_, v) in enumerate(pairs) if _of_value(v)), None)
    if of is not None and of_share > 0 and rng.random() < of_share:
        others = pairs[:of] + pairs[of + 1 :]
        named = inline(others) if others else ""
        return "".join(f" {x}" for x in (f"of {pairs[of][1]}", tail, named) if x)
    named = "for " + inline(pairs).removeprefix("with ") if pairs else ""
    return "".join(f" {x}" for x in (tail, named) if x)


def _of_value(shown: str) -> bool:
    if re.match(r"\d{4}-\d{2}", shown):
        return False
    return shown != shown.lower() or " " in shown or any(c.isdigit() for c in shown)


def result_fields(tools: list[ToolSpec]) -> frozenset[str]:
    """Phrases of every output field of `tools`: a question about one of them could mean any of them."""
    return frozenset(phrase(k) for t in tools for k in ((t.returns or {}).get("properties") or {}))


def parallel_request(tasks: list[tuple[str, list[tuple[str, str]]]], rng: random.Random) -> str:
    """Two or more independent requests in one message."""
    parts = [f"{mine(t)} {inline(p)}" if p else mine(t) for t, p in tasks]
    joined = "; ".join(parts[:-1]) + "; and also " + parts[-1] if len(parts) > 2 else " and also ".join(parts)
    return rng.choice(
        [
            f"I need two things done: {joined}.",
            f"Please {joined}.",
            f"Can you {joined}?",
            f"At the same time, could you {joined}?",
        ]
    ).replace("two things", _count_things(len(parts)))


def same_tool_request(
    task: str,
    shared: list[tuple[str, str]],
    varied: tuple[tuple[str, str], tuple[str, str]],
    rng: random.Random,
) -> str:
    """One task asked for two values of one parameter ("... for Paris and for London")."""
    task = mine(task)
    (p, v1), (_, v2) = varied
    rest = f" {inline(shared)}" if shared else ""
    return rng.choice(
        [
            f"Can you {task}{rest}, once with the {p} {v1} and once with the {p} {v2}?",
            f"Please {task}{rest} for both {v1} and {v2} as the {p}.",
            f"I need to {task}{rest}. Do it for the {p} {v1} and also for the {p} {v2}.",
        ]
    )


def _count_times(n: int) -> str:
    return {2: "twice", 3: "three times"}.get(n, f"{n} times")


def _count_things(n: int) -> str:
    return {2: "two things", 3: "three things"}.get(n, f"{n} things")


def then_request(first: str, task: str, source: str, pairs: list[tuple[str, str]], rng: random.Random) -> str:
    """A first request followed by a dependent one that uses the first result's `source` field."""
    task = mine(task)
    rest = f" {inline(pairs)}" if pairs else ""
    return rng.choice(
        [
            f"{first} Then {task} using the {source} from that result{rest}.",
            f"{first} After that, use the {source} you get to {task}{rest}.",
            f"{first} Once you have the {source}, {task}{rest}.",
        ]
    )


def followup(task: str, source: str, pairs: list[tuple[str, str]], rng: random.Random) -> str:
    """A later request that refers to an earlier result ("that order id")."""
    task = mine(task)
    rest = f" {inline(pairs)}" if pairs else ""
    return rng.choice(
        [
            f"Now {task} for that {source}{rest}.",
            f"Great. Next, {task} using the {source} from before{rest}.",
            f"Using that {source}, please {task}{rest}.",
            f"With the {source} you just got, {task}{rest}.",
        ]
    )


def transition(text: str, rng: random.Random) -> str:
    """Prefix for a later request in the same conversation."""
    if re.match(r"^(Now|Great|Next|Using|With)\b", text):
        return text
    prefix = rng.choice(["", "Also, ", "Next, ", "One more thing: ", "Thanks. ", "Okay. "])
    lower = (
        prefix.endswith((", ", ": ")) and not text.startswith(("I ", "I'")) and not re.match(r"^\S+:", text)
    )
    return prefix + (text[0].lower() + text[1:] if lower else text)


def supply(p: str, v: str, rng: random.Random) -> str:
    """The user answers a question for a missing value."""
    return rng.choice(
        [f"The {p} is {v}.", f"Use {v}.", f"It's {v}.", f"{v}, please.", f"Sorry, the {p} is {v}."]
    )


def stop(rng: random.Random) -> str:
    return (
        rng.choice(
            [
                "Thanks, that's everything I needed.",
                "Perfect, thank you!",
                "Great, that's all.",
                "That covers it, thanks.",
                "Thank you, I'm all set.",
            ]
        )
        + " ###STOP###"
    )


def give_up(rng: random.Random) -> str:
    return (
        rng.choice(
            [
                "Never mind, I'll sort the rest out myself.",
                "Forget it, this is taking too long.",
                "Let's stop here, I'll do the rest another time.",
            ]
        )
        + " ###STOP###"
    )


def date_correction(relative: str, real: str, used: str, rng: random.Random) -> str:
    return rng.choice(
        [
            f"Wait, I said {relative}, and {relative} is {real}, not {used}. Please redo it with {real}.",
            f"That's the wrong date: {relative} means {real}. Can you run it again with {real}?",
        ]
    )


# -- assistant ----------------------------------------------------------------------------------------


def call_reasoning(
    tool: str, task: str, stated: list[tuple[str, str]], distractors: bool, rng: random.Random
) -> str:
    vals = ", ".join(f"{p} {v}" for p, v in [(p, v) for p, v in stated if len(v) <= 30][:3])
    why = f"The user wants to {task}" + (f" ({vals})" if vals else "") + "."
    how = rng.choice(
        [
            f"{tool} does exactly that, so I'll call it.",
            f"I'll call {tool} with these values.",
            f"{tool} fits this request.",
        ]
    )
    if distractors and rng.random() < 0.5:
        how = f"Of the available tools, only {tool} can do this, so I'll call it."
    return f"{why} {how}"


def parallel_reasoning(tools: list[str], rng: random.Random) -> str:
    unique = list(dict.fromkeys(tools))
    names = f"{unique[0]} {_count_times(len(tools))}" if len(unique) == 1 else ", ".join(unique)
    return rng.choice(
        [
            f"These requests are independent, so I'll call {names} in parallel.",
            f"The requests don't depend on each other; I'll make the calls to {names} at once.",
        ]
    )


def linked_reasoning(tool: str, param: str, value: str, source_tool: str, rng: random.Random) -> str:
    return rng.choice(
        [
            f"{tool} needs the {phrase(param)}, which {source_tool} returned as {value}. I'll call {tool} with it.",
            f"The earlier result gives the {phrase(param)} {value}; I'll pass it to {tool}.",
        ]
    )


def fix_reasoning(error: str, tool: str, rng: random.Random) -> str:
    return rng.choice(
        [
            f"The call failed: {error} I'll correct the arguments and call {tool} again.",
            f"{tool} returned an error ({error.rstrip('.')}). I'll fix that and retry.",
        ]
    )


def wrong_tool_reasoning(wrong: str, right: str, task: str) -> str:
    return (
        f"{wrong} was the wrong tool for this. {right} is the one that can {task}, so I'll call it instead."
    )


def date_fix_reasoning(real: str) -> str:
    return (
        f"I used a date the user never gave me. The user says the date is {real}, so I'll call again with it."
    )


def ask(task: str, p: str, rng: random.Random) -> tuple[str, str]:
    """(reasoning, content) of a turn that asks for a missing required value."""
    reasoning = rng.choice(
        [
            f"To {task} I need the {p}, which the user has not given. I should ask instead of guessing.",
            f"The {p} is required and missing, so I'll ask for it.",
        ]
    )
    content = rng.choice(
        [
            f"Sure. What {p} should I use?",
            f"I can do that. Could you tell me the {p}?",
            f"To {task}, I need the {p}. What is it?",
            f"Which {p} would you like?",
        ]
    )
    return reasoning, content


def decline(task: str, rng: random.Random) -> tuple[str, str]:
    """(reasoning, content) of a turn where no available tool fits."""
    reasoning = rng.choice(
        [
            f"The user wants to {task}, but none of the available tools can do that. I won't call a tool.",
            f"No available tool can {task}, so I should say so instead of calling one.",
        ]
    )
    content = rng.choice(
        [
            f"Sorry, none of the tools I have can {task}.",
            f"I can't help with that: my available tools don't support requests to {task}.",
            f"Unfortunately, no available tool fits this request, so I can't {task} for you.",
            f"I don't have a tool that can {task}. Is there anything else I can help with?",
        ]
    )
    return reasoning, content


def direct_answer_reasoning(rng: random.Random) -> str:
    return rng.choice(
        [
            "I can answer this directly; none of the tools is needed.",
            "This needs no tool call, so I'll answer myself.",
        ]
    )


def summary(facts: list[str], rng: random.Random) -> tuple[str, str]:
    """(reasoning, content) of the reply after tool results."""
    text = "; ".join(facts) if facts else "the request went through"
    reasoning = rng.choice(["I have the results, so I'll report them.", "The tool returned what was needed."])
    content = rng.choice(
        [
            f"Here is what I found: {text}.",
            f"Done. {_cap(text)}.",
            f"All set: {text}.",
            f"The result: {text}.",
        ]
    )
    return reasoning, content


def facts_of(result: Any, limit: int = 3) -> list[str]:
    """Short statements about a tool result's top-level fields."""
    if isinstance(result, list):
        head = facts_of(result[0], limit - 1) if result and isinstance(result[0], dict) else []
        return [f"{len(result)} results" + (f", the first with {', '.join(head)}" if head else "")]
    if not isinstance(result, dict):
        return [f"the result is {say(result)}"]
    out: list[str] = []
    for key, value in result.items():
        if len(out) >= limit:
            break
        if isinstance(value, list):
            first = facts_of(value[0], 2) if value and isinstance(value[0], dict) else []
            more = f" (the first: {', '.join(f.removeprefix('the ') for f in first)})" if first else ""
            out.append(f"{len(value)} {phrase(key)}{more}")
        elif isinstance(value, dict):
            continue
        else:
            out.append(f"the {phrase(key)} is {say(value)}")
    return out
