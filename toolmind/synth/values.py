"""Argument and result values drawn from JSON Schemas, and how a user says them in words.

The scripted agents need plausible, typed values for tool parameters (what the user knows) and for tool
outputs (what the simulated API returns). Values come from, in order: `enum`, the parameter's name (a
`city` gets a city, a `check_in_date` gets a date), its `format`, then its type and bounds. Everything is
driven by a caller-supplied `random.Random`, so a value depends only on the seed the caller derives.
"""

from __future__ import annotations

import dataclasses
import random
import re
from typing import Any

from toolmind.synth.vocab import BASIC, KIND_ALIASES, KINDS, PLACES_WITH_REGION, Vocabulary

# Non-standard type names seen in tool catalogues (BFCL/Glaive style) mapped to JSON Schema.
TYPE_ALIASES: dict[str, str] = {
    "dict": "object",
    "float": "number",
    "double": "number",
    "int": "integer",
    "long": "integer",
    "bool": "boolean",
    "list": "array",
    "tuple": "array",
    "str": "string",
    "text": "string",
}

CURRENCIES = ["USD", "EUR", "GBP", "JPY", "CAD", "AUD", "CHF", "INR"]
LANGUAGES = ["English", "Spanish", "French", "German", "Japanese", "Portuguese", "Italian"]
SYMBOLS = ["AAPL", "MSFT", "NVDA", "TSLA", "AMZN", "GOOGL", "IBM", "ORCL"]
UNITS = {"unit": ["metric", "imperial"], "units": ["metric", "imperial"]}


def norm_type(schema: dict[str, Any]) -> str | None:
    """The schema's JSON Schema type (first of a union, aliases resolved), or None when untyped."""
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    if not isinstance(t, str):
        if schema.get("enum"):
            return _type_of(schema["enum"][0])
        if "properties" in schema:
            return "object"
        if "items" in schema:
            return "array"
        return None
    return TYPE_ALIASES.get(t, t)


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string"


def words(name: str) -> list[str]:
    """`checkInDate` / `check_in_date` -> ["check", "in", "date"]."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w.lower() for w in re.split(r"[^A-Za-z0-9]+", spaced) if w]


def singular_name(name: str) -> str:
    """A list parameter's name for one of its items: `cities` -> `city`, `addresses` -> `address`,
    `trackIds` -> `trackId`, so that an item is drawn by the rules for its kind (a bare "s" cut made
    `citie`, which no rule knows, and `cities` got items like "quartz-22")."""
    last = words(name)[-1] if words(name) else ""
    if last in ("movies", "cookies", "calories", "pies", "ties", "selfies", "species"):
        return name if last == "species" else name[:-1]  # singular in "-ie", or unchanged
    if re.search(r"[^aeiou]ies$", name):
        return name[:-3] + "y"
    if re.search(r"(sses|xes|ches|shes|zzes)$", name):
        return name[:-2]
    if re.search(r"(ss|us|is)$", name):
        return name
    return re.sub(r"s$", "", name)


def phrase(name: str) -> str:
    """Human words for a parameter or field name: `check_in_date` -> "check in date"."""
    return " ".join(words(name)) or name


def _has(ws: list[str], *keys: str) -> bool:
    return any(k in ws for k in keys)


def _date(rng: random.Random) -> str:
    return f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


AIRPORTS = ["JFK", "LHR", "CDG", "NRT", "SFO", "FRA", "SYD", "DXB", "LIS", "YYZ", "ICN", "MAD"]


def _like(example: str, rng: random.Random, vocab: Vocabulary = BASIC) -> str:
    """A new identifier shaped like `example`: a lowercase word prefix kept, other letters/digits redrawn."""
    m = re.match(r"^([a-z]+[_-])", example)
    head, tail = (m.group(1), example[m.end() :]) if m else ("", example)
    out = []
    for seg in re.split(r"([^A-Za-z0-9])", tail):
        if len(seg) >= 4 and seg.isalpha() and seg.islower():
            out.append(rng.choice(vocab.words))
            continue
        for ch in seg:
            if ch.isdigit():
                out.append(str(rng.randint(0, 9)))
            elif ch.isupper():
                out.append(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ"))
            elif ch.islower():
                out.append(rng.choice("abcdefghijkmnopqrstuvwxyz"))
            else:
                out.append(ch)
    return head + "".join(out)


def _string(name: str, schema: dict[str, Any], rng: random.Random, vocab: Vocabulary = BASIC) -> str:
    ws = words(name)
    fmt = str(schema.get("format", ""))
    raw_desc = str(schema.get("description", ""))
    desc = raw_desc.lower()
    # "[" too: an array's item inherits the list's description, whose examples are a list ("e.g. ['F7', 'F8']").
    example = re.search(r"e\.g\. \[?'([^']+)'", raw_desc)
    if example and _has(ws, "id", "code", "reference", "number", "pnr", "sku", "ids"):
        return _like(example.group(1), rng, vocab)
    if fmt == "email" or _has(ws, "email") or "email address" in desc:
        return f"{_slug(rng.choice(vocab.first))}.{_slug(rng.choice(vocab.last))}@example.com"
    listed = re.search(r"e\.g\. ((?:'[^']+'(?:, | or )?){3,})", raw_desc)
    if listed:  # a small open set shown by examples ("e.g. 'H2O', 'NaCl', 'CO2'"): one of them
        return rng.choice(re.findall(r"'([^']+)'", listed.group(1)))
    if "iso 3166" in desc:
        return rng.choice(["DE", "FR", "JP", "US", "BR", "IN", "CA", "ES", "IT", "KE"])
    if "iso 639" in desc:
        return rng.choice(["en", "es", "fr", "de", "ja", "pt", "it"])
    if "e.164" in desc:
        return f"+1{rng.randint(200, 989)}555{rng.randint(1000, 9999)}"
    if "iso 8601" in desc and "time" in desc:
        fmt = "date-time"
    if "iata" in desc or "airport code" in desc:
        return rng.choice(AIRPORTS)
    if "yyyy-mm-dd" in desc and "hh" not in desc:
        fmt = fmt or "date"
    if "iso 4217" in desc:
        return rng.choice(CURRENCIES)
    if "hex" in desc and _has(ws, "color", "colour", "hex"):
        return "#" + "".join(rng.choice("0123456789ABCDEF") for _ in range(6))
    if vocab.described:
        shaped = _described(ws, raw_desc, rng)
        if shaped is not None:
            return shaped
    if fmt == "date" or (_has(ws, "date", "day", "birthday", "deadline") and not _has(ws, "days", "time")):
        return _date(rng)
    if fmt == "date-time" or _has(ws, "datetime", "timestamp"):
        return f"{_date(rng)}T{rng.randint(7, 20):02d}:{rng.choice(['00', '15', '30', '45'])}:00"
    if fmt in ("uri", "url") or _has(ws, "url", "link", "website"):
        return f"https://{rng.choice(vocab.words)}.example.com/{rng.choice(vocab.words)}"
    if _has(ws, "id", "code", "number", "reference", "sku", "token", "key") and not _has(ws, "zip", "postal"):
        prefix = "".join(w[0] for w in ws if w not in ("id", "code", "number")).upper()[:3] or "ID"
        return f"{prefix}-{rng.randint(10000, 99999)}"
    if _has(ws, "time", "hour"):
        return f"{rng.randint(7, 20):02d}:{rng.choice(['00', '15', '30', '45'])}"
    if _has(ws, "phone", "mobile"):
        return f"+1-555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"
    if _has(ws, "zip", "postal", "postcode"):
        return f"{rng.randint(10000, 99999)}"
    if vocab.regions and _has(ws, "province", "region") and not _has(ws, "country"):
        return rng.choice(vocab.regions)
    if _has(ws, "country", "region", "nationality"):
        return rng.choice(vocab.countries)
    if _has(ws, "currency"):
        return rng.choice(CURRENCIES)
    if _has(ws, "language", "lang", "locale"):
        return rng.choice(LANGUAGES)
    if _has(ws, "symbol", "ticker", "stock"):
        return rng.choice(SYMBOLS)
    if _has(ws, "city", "destination", "origin", "location", "place", "town", "from", "to"):
        if vocab.region_share and rng.random() < vocab.region_share:
            return _place_with_region(rng)
        return rng.choice(vocab.cities)
    if _has(ws, "color", "colour"):
        return rng.choice(vocab.colors)
    if _has(ws, "address", "street"):
        return f"{rng.randint(1, 250)} {rng.choice(vocab.streets)}"
    if _has(ws, "unit", "units"):
        return rng.choice(UNITS["unit"])
    if _has(ws, "food", "dish", "meal", "recipe", "ingredient", "ingredients"):
        return rng.choice(vocab.foods)
    # A list's own examples ("Labels, e.g. ['bug', 'p1']") once the kinds above (times, countries...) had
    # their wider pools.
    listed = re.search(r"e\.g\. \[((?:'[^']+'(?:, )?){2,})\]", raw_desc)
    if listed:
        return rng.choice(re.findall(r"'([^']+)'", listed.group(1)))
    if (
        "name" in ws
        and len(ws) > 1
        and not _has(
            ws,
            "full",
            "first",
            "last",
            "person",
            "contact",
            "customer",
            "guest",
            "passenger",
            "user",
            "owner",
            "recipient",
            "holder",
        )
    ):
        rest = " ".join(w for w in ws if w != "name")
        if vocab.is_wide:
            return _thing_name(rest, rng, vocab)
        return f"{rng.choice(vocab.words).title()} {rest.title()}"
    if _has(ws, "name", "user", "username", "customer", "recipient", "author", "contact", "sender", "owner"):
        return f"{rng.choice(vocab.first)} {rng.choice(vocab.last)}"
    if vocab.jobs and _has(ws, "job", "occupation", "profession", "role", "position"):
        return rng.choice(vocab.jobs)
    if _has(ws, "title", "subject", "topic", "event", "summary"):
        return _topic(rng, vocab).title()
    if _has(ws, "message", "body", "text", "content", "note", "description", "comment") or (
        vocab.described and _has(ws, "notes", "resolution", "letter", "requests", "instructions")
    ):
        if vocab.is_wide:
            return rng.choice(_MESSAGES).format(_topic(rng, vocab))
        return f"Reminder about the {rng.choice(vocab.topics)}"
    if _has(ws, "query", "keyword", "keywords", "search", "term"):
        return _topic(rng, vocab)
    if _has(ws, "status", "state"):
        return rng.choice(["active", "pending", "confirmed", "completed"])
    if _has(ws, "category", "type", "genre", "kind"):
        return rng.choice(["standard", "premium", "basic", "family", "business"])
    if vocab.described:
        shaped = _like_example(raw_desc, rng)
        if shaped is not None:
            return shaped
    if vocab.is_wide and rng.random() < 0.5:
        return f"{rng.choice(vocab.adjectives)} {rng.choice(vocab.nouns)}"
    return f"{rng.choice(vocab.words)}-{rng.randint(10, 99)}"


_VIN = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"  # no I, O or Q in a vehicle identification number
_VISITS = (
    "annual checkup",
    "follow-up visit",
    "persistent headache",
    "flu symptoms",
    "vaccination",
    "knee pain",
)


def _kind(ws: list[str], desc: str) -> tuple[str, ...] | None:
    """The KINDS list a parameter's name words point to, or None."""
    if "visit" in ws:  # "reason for visit": a medical complaint, not a cancellation reason
        return _VISITS
    for w in ws:
        key = KIND_ALIASES.get(w, w)
        if key == "provider" and "insurance" not in desc:  # an e-mail or payment provider is no insurer
            continue
        if key in KINDS:
            return KINDS[key]
    if ws[-2:] == ["time", "zone"]:
        return KINDS["timezone"]
    return None


def _described(ws: list[str], raw_desc: str, rng: random.Random) -> str | None:
    """A text value of the kind the name or description says (a cuisine, a symptom, a time zone, a month
    "2025-03", an IP address), where the rules after this one would make up a code like "coral-30" or take
    a time zone for a time of day; None to let them decide. Only with `situations.described_values`."""
    desc = raw_desc.lower()
    if not re.search(r"e\.g\. \[", raw_desc):  # a list's own examples ("e.g. ['bug', 'p1']") come first
        kind = _kind(ws, desc)
        if kind is not None:
            return rng.choice(kind)
    if "hh:mm" in desc:
        return f"{rng.randint(7, 20):02d}:{rng.choice(['00', '15', '30', '45'])}"
    if "yyyy-mm" in desc and "yyyy-mm-dd" not in desc:
        return f"{rng.randint(2019, 2025)}-{rng.randint(1, 12):02d}"
    if "season" in ws:
        year = rng.randint(2015, 2025)
        return f"{year}-{(year + 1) % 100:02d}"
    if "vin" in ws:
        return "".join(rng.choice(_VIN) for _ in range(17))
    if _has(ws, "bic", "swift"):  # bank, country, place: "DEUTDEFF"
        return _like("DEUTDEFF", rng)
    if "ip" in ws:
        return ".".join(str(rng.randint(1, 254)) for _ in range(4))
    return None


def _like_example(raw_desc: str, rng: random.Random) -> str | None:
    """A code or an expression shaped like the description's single example ("Sheet1!A1:D20", "YLOWUS",
    "(12.5 + 7) * 3 / 2"), its digits and letters redrawn; None if there is none or it is plain words."""
    example = re.search(r"e\.g\. '([^']+)'", raw_desc)
    if example is None:
        return None
    shown = example.group(1)
    if re.search(r"[0-9/!:()*+@#]", shown) or (shown.isupper() and shown.isalpha() and len(shown) <= 8):
        return _like(shown, rng)
    return None


_MESSAGES = (
    "Reminder about the {}",
    "Don't forget the {} on Friday",
    "The {} is ready for review",
    "Can we talk about the {} tomorrow?",
    "Thanks for sorting out the {}",
)


def _place_with_region(rng: random.Random) -> str:
    """ "Denver, Colorado", "Denver, CO" or "Lyon, France": one value, commas and all, to copy whole."""
    city, region, abbreviation = rng.choice(PLACES_WITH_REGION)
    return f"{city}, {abbreviation if abbreviation and rng.random() < 0.5 else region}"


def _slug(word: str) -> str:
    """ASCII lower-case letters of a name, for e-mail addresses ("Gößl" -> "gol")."""
    return re.sub(r"[^a-z]", "", word.lower()) or "user"


def _topic(rng: random.Random, vocab: Vocabulary) -> str:
    """A subject in lower case: one of the basic topics, or (wide) an adjective-noun or noun-noun phrase."""
    if not vocab.is_wide or rng.random() < 0.2:
        return rng.choice(vocab.topics)
    first = rng.choice(vocab.adjectives) if rng.random() < 0.6 else rng.choice(vocab.nouns)
    return f"{first} {rng.choice(vocab.nouns)}"


def _thing_name(rest: str, rng: random.Random, vocab: Vocabulary) -> str:
    """The name of a thing (`team_name`, `book_name`): words no list repeats, so a model must copy them."""
    shape = rng.randrange(4)
    if shape == 0:
        return f"{rng.choice(vocab.adjectives).title()} {rng.choice(vocab.nouns).title()}"
    if shape == 1:
        return f"{rng.choice(vocab.cities)} {rest.title()}"
    if shape == 2:
        return f"{rng.choice(vocab.last)} {rng.choice(vocab.nouns).title()}"
    return f"The {rng.choice(vocab.nouns).title()} of {rng.choice(vocab.cities)}"


# Names of money and count values that people state in thousands, millions or billions ("a net income of
# $2,000,000", "12,000 miles a year", "a population of 213 million"). Per-unit and small sums are not.
_AMOUNT_WORDS = (
    "amount",
    "price",
    "cost",
    "costs",
    "budget",
    "principal",
    "income",
    "salary",
    "revenue",
    "payout",
    "investment",
    "payment",
    "population",
    "sales",
    "profit",
    "capital",
    "loan",
    "deposit",
    "equity",
    "assets",
    "earnings",
    "valuation",
)
_NOT_AMOUNT_WORDS = ("tip", "unit", "night", "hourly", "fee", "rate", "percent", "count", "quantity")
# Round mantissas, so that a scale word says the value exactly ("2.5 million" = 2500000).
_MANTISSAS = (
    1,
    1.2,
    1.5,
    2,
    2.5,
    3,
    4,
    5,
    7.5,
    8,
    10,
    12,
    15,
    20,
    25,
    40,
    50,
    75,
    100,
    120,
    150,
    200,
    250,
    500,
)


def _large_amount(name: str, schema: dict[str, Any], rng: random.Random, vocab: Vocabulary) -> int | None:
    """A money or count value in thousands to billions (`situations.large_amount_share`), or None: not such
    a name, a schema maximum below 1000, or not drawn. No draw at share 0, so old recipes draw as before."""
    if not vocab.amount_share:
        return None
    ws = words(name)
    if not _has(ws, *_AMOUNT_WORDS) or _has(ws, *_NOT_AMOUNT_WORDS):
        return None
    maximum = schema.get("maximum")
    if isinstance(maximum, int | float) and maximum < 1000:
        return None
    if rng.random() >= vocab.amount_share:
        return None
    scale = rng.choice((1_000, 1_000, 1_000_000, 1_000_000, 1_000_000_000))
    value = round(rng.choice(_MANTISSAS) * scale)
    return value if not isinstance(maximum, int | float) or value <= maximum else None


def _integer(name: str, schema: dict[str, Any], rng: random.Random, vocab: Vocabulary = BASIC) -> int:
    if (large := _large_amount(name, schema, rng, vocab)) is not None:
        return large
    ws = words(name)
    lo, hi = 1, 100
    if _has(ws, "year"):
        lo, hi = 2018, 2026
    elif _has(ws, "age"):
        lo, hi = 18, 80
    elif _has(ws, "month"):
        lo, hi = 1, 12
    elif _has(
        ws,
        "count",
        "num",
        "number",
        "quantity",
        "guests",
        "adults",
        "children",
        "nights",
        "days",
        "limit",
        "size",
        "rooms",
        "seats",
        "passengers",
        "people",
        "page",
        "top",
        "max",
        "min",
    ):
        lo, hi = 1, 10
    elif _has(ws, "minutes", "duration", "timeout"):
        lo, hi = 5, 120
    elif _has(ws, "price", "amount", "budget", "cost", "salary", "income"):
        lo, hi = 20, 2000
    if vocab.is_wide and (lo, hi) in ((1, 100), (20, 2000)) and rng.random() < 0.5:
        lo, hi = _wide_range(rng)
    bounds = re.search(
        r"(?:from|between)?\s*(-?\d+)\D{0,12}?(?:to|and|-)\s*(-?\d+)", str(schema.get("description", ""))
    )
    if bounds and int(bounds.group(1)) < int(bounds.group(2)):
        lo, hi = int(bounds.group(1)), int(bounds.group(2))
    if isinstance(schema.get("minimum"), int | float):
        lo = max(lo, int(schema["minimum"])) if schema["minimum"] <= hi else int(schema["minimum"])
    if isinstance(schema.get("maximum"), int | float):
        hi = int(schema["maximum"])
    if hi < lo:
        hi = lo
    return rng.randint(lo, hi)


_RATE_WORDS = frozenset(["rate", "return", "yield"])
# Rates that are no share of anything: a price per hour, beats per minute, a currency's exchange rate.
_NOT_FRACTION_WORDS = frozenset(
    [
        "heart",
        "pulse",
        "sample",
        "sampling",
        "frame",
        "bit",
        "baud",
        "refresh",
        "exchange",
        "hourly",
        "flow",
        "birth",
        "death",
        "respiratory",
        "limit",
        "max",
        "min",
        "data",
        "conversion",
        "review",
    ]
)
_NOT_FRACTION_DESC = ("percent", "%", "price", "currency", "major units", "rating", "per hour", "per minute")


def is_fraction(schema: dict[str, Any]) -> bool:
    """A rate given as a decimal fraction (0.05 for 5%), as its description says."""
    desc = str(schema.get("description", "")).lower()
    return "decimal" in desc or "fraction" in desc


def is_decimal_rate(name: str, schema: dict[str, Any]) -> bool:
    """A numeric rate, return or yield taken as a decimal fraction (0.05 for "5%"): its description says
    so, or says neither a percentage nor a price. BFCL's convention: of the 26 rates its simple_python and
    multiple questions state as percentages, the 20 described plainly ("The annual interest rate.", "The
    discount rate to use.") expect 0.05 for "5%", the 6 described "as a percentage" expect 5."""
    ws = set(words(name))
    if not _RATE_WORDS & ws or _NOT_FRACTION_WORDS & ws:
        return False
    if schema.get("type") not in ("number", "float"):
        return False
    if is_fraction(schema):
        return True
    desc = str(schema.get("description", "")).lower()
    return not any(x in desc for x in _NOT_FRACTION_DESC)


def _number(name: str, schema: dict[str, Any], rng: random.Random, vocab: Vocabulary = BASIC) -> float:
    if (large := _large_amount(name, schema, rng, vocab)) is not None:
        return large  # a whole number: BFCL's answers write 2000000 for a float parameter too
    ws = words(name)
    lo, hi = 1.0, 500.0
    if _has(ws, "lat", "latitude"):
        lo, hi = -60.0, 70.0
    elif _has(ws, "lon", "lng", "longitude"):
        lo, hi = -170.0, 170.0
    elif is_decimal_rate(name, schema):  # "0.042 for 4.2%": said as a percentage
        return round(rng.uniform(0.01, 0.15), 3)
    elif _has(ws, "rate", "ratio", "percent", "percentage", "probability", "score", "rating"):
        lo, hi = 0.5, 9.5
    elif _has(ws, "weight", "height", "distance", "temperature", "temp"):
        lo, hi = 1.0, 120.0
    if isinstance(schema.get("minimum"), int | float):
        lo = float(schema["minimum"])
    if isinstance(schema.get("maximum"), int | float):
        hi = float(schema["maximum"])
    digits = 2
    if vocab.is_wide and (lo, hi) == (1.0, 500.0) and rng.random() < 0.5:
        lo, hi = (float(x) for x in _wide_range(rng))
        digits = rng.choice((1, 2, 3))
    if hi < lo:
        hi = lo
    value = round(rng.uniform(lo, hi), digits)
    # A whole number would be rendered "12" and re-read as an integer; keep it visibly fractional.
    return value + 0.5 if value == int(value) else value


def _wide_range(rng: random.Random) -> tuple[int, int]:
    """A range of another order of magnitude (wide vocabulary): 0-10 up to 10^4-10^5."""
    exp = rng.choice((1, 2, 3, 4, 5))
    return 10 ** (exp - 1), 10**exp


def sample_value(
    name: str, schema: dict[str, Any], rng: random.Random, depth: int = 0, vocab: Vocabulary = BASIC
) -> Any:
    """A plausible value for the parameter or field `name` with JSON Schema `schema`, drawn from `vocab`."""
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return rng.choice(enum)
    t = norm_type(schema)
    if t == "integer":
        return _integer(name, schema, rng, vocab)
    if t == "number":
        return _number(name, schema, rng, vocab)
    if t == "boolean":
        return rng.random() < 0.5
    if t == "array":
        raw = schema.get("items")
        items: dict[str, Any] = raw if isinstance(raw, dict) else {"type": "string"}
        # Items rarely carry their own description; the list's ("To: Email addresses, e.g. [...]") says
        # what each item is, so an item inherits it (without it, "to" read as a place gave cities).
        if "description" not in items and (norm_type(items) != "object" or not items.get("properties")):
            items = {**items, "description": str(schema.get("description", ""))}
        singular = singular_name(name)
        n = (rng.randint(2, 5) if vocab.is_wide else rng.randint(2, 3)) if depth == 0 else 1
        # No draw at share 0: recipes without lone items draw exactly as before.
        if depth == 0 and vocab.single_item_share and rng.random() < vocab.single_item_share:
            n = 1
        # No "Denver, CO" inside a list: said as "in Denver, CO, Lyon and Paris" its commas are ambiguous.
        item_vocab = dataclasses.replace(vocab, region_share=0.0) if vocab.region_share else vocab
        out: list[Any] = []
        for _ in range(n):
            v = sample_value(singular, items, rng, depth + 1, item_vocab)
            if v not in out:
                out.append(v)
        return out
    if t == "object":
        return sample_object(schema, rng, depth + 1, vocab)
    return _string(name, schema, rng, vocab)


def _described_fields(description: str) -> dict[str, Any]:
    """Field schemas named in a free-form object's description ("each with description, quantity and
    unit_price"); a single `note` field when it names none."""
    m = re.search(r"\bwith ([\w ,]+?)(?:\.|$)", description)
    names = [n.strip().replace(" ", "_") for n in re.split(r",| and ", m.group(1))] if m else []
    names = [n for n in names if n and len(n) < 24][:4]
    out: dict[str, Any] = {}
    for name in names or ["note"]:
        ws = words(name)
        kind = (
            "integer"
            if _has(ws, "quantity", "count", "qty")
            else "number"
            if _has(ws, "price", "amount")
            else "string"
        )
        out[name] = {"type": kind}
    return out


def sample_object(
    schema: dict[str, Any], rng: random.Random, depth: int = 0, vocab: Vocabulary = BASIC
) -> dict[str, Any]:
    """An object with every property of `schema` (nested objects are kept small past depth 2); a
    free-form object gets the fields its description names."""
    props = schema.get("properties") or _described_fields(str(schema.get("description", "")))
    if depth > 2:
        return {k: "n/a" for k in list(props)[:2]}
    return {k: sample_value(k, v if isinstance(v, dict) else {}, rng, depth, vocab) for k, v in props.items()}


def say(value: Any) -> str:
    """How a user says a value in a sentence (the assistant must copy it back with the right type)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # Every digit the call will carry ("{:g}" kept six significant digits: 2164.973 was said "2164.97"),
        # without an exponent, which users do not write.
        text = repr(value)
        return text if "e" not in text else f"{value:f}".rstrip("0").rstrip(".")
    if isinstance(value, list):
        parts = [say(v) for v in value]
        if len(parts) <= 1:
            return "".join(parts)
        return ", ".join(parts[:-1]) + " and " + parts[-1]
    if isinstance(value, dict):
        return ", ".join(f"{phrase(k)} {say(v)}" for k, v in value.items())
    return str(value)


def coerce(value: Any, schema: dict[str, Any]) -> Any:
    """Convert `value` (e.g. an earlier tool output) to the type `schema` asks for, or return None."""
    t = norm_type(schema)
    if t is None or _type_of(value) == t or (t == "number" and _type_of(value) == "integer"):
        return value
    if t == "string" and not isinstance(value, dict | list):
        return say(value)
    if t == "integer" and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if t == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    if t == "number" and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    if t == "array" and not isinstance(value, list):
        item = coerce(value, schema.get("items") or {})
        return None if item is None else [item]
    return None
