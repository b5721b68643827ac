"""Word pools the scripted user draws argument values from: `basic` (small, fixed lists) or `wide`.

A small model trained on values from twenty cities and ten topics learns to *recall* those values, not
to copy what the request says: asked for "Beef Lasagna" it writes a near word it has seen ("Bear
Lasagna"). The `wide` pools draw names, places, titles and phrases from the data lists the `faker`
package ships (thousands of real place names of many countries, ~1,700 person names, ~1,500 English
words, job titles, colours), so that nearly every value in a request is new to the model and can only
be copied. Values are still drawn with the caller's `random.Random` (never faker's own generator), so a
value depends only on the seed and the pinned faker release.
"""

from __future__ import annotations

import functools
import importlib
import re
from dataclasses import dataclass
from typing import Any

#: Pool names a synth config may choose (`situations.value_vocabulary`).
VOCABULARIES = ("basic", "wide")


# The basic pools: the lists the scripted user drew from before `wide` existed (order kept: a seed gives
# the same values as before).
CITIES = [
    "Paris",
    "Tokyo",
    "Berlin",
    "Lisbon",
    "Toronto",
    "Sydney",
    "Nairobi",
    "Lima",
    "Oslo",
    "Seoul",
    "Madrid",
    "Chicago",
    "Denver",
    "Mumbai",
    "Cairo",
    "Dublin",
    "Austin",
    "Vienna",
    "Prague",
    "Boston",
]
COUNTRIES = [
    "France",
    "Japan",
    "Germany",
    "Portugal",
    "Canada",
    "Australia",
    "Kenya",
    "Peru",
    "Norway",
    "Brazil",
    "Mexico",
    "India",
    "Italy",
    "Spain",
    "Chile",
]
FIRST = [
    "Alice",
    "Bruno",
    "Chen",
    "Dana",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Kira",
    "Liam",
    "Maya",
    "Nils",
    "Omar",
    "Priya",
    "Rosa",
    "Sam",
    "Tara",
    "Yusuf",
]
LAST = ["Martin", "Okafor", "Silva", "Novak", "Tanaka", "Berg", "Khan", "Rossi", "Weber", "Lopez", "Kim"]
WORDS = [
    "alpha",
    "harbor",
    "summit",
    "maple",
    "orbit",
    "cedar",
    "delta",
    "falcon",
    "willow",
    "quartz",
    "ember",
    "lotus",
    "nova",
    "pine",
    "river",
    "atlas",
    "coral",
    "sierra",
    "aurora",
    "meadow",
]
TOPICS = [
    "quarterly report",
    "team offsite",
    "budget review",
    "product launch",
    "garden party",
    "marathon training",
    "tax return",
    "kitchen renovation",
    "science fair",
    "book club",
]
FOODS = [
    "oatmeal",
    "chicken salad",
    "lentil soup",
    "salmon",
    "pasta",
    "greek yogurt",
    "tofu stir fry",
    "apple",
]
# Real places with their state, province or country, written as people and many APIs write them ("Denver,
# Colorado", "Denver, CO", "Lyon, France"). Without a comma in any place value a small model learns to cut a
# place at its comma: asked about "Boston, Massachusetts" it calls with "Boston" (BFCL's location values
# keep the region). (city, region, region's abbreviation or "")
PLACES_WITH_REGION: tuple[tuple[str, str, str], ...] = (
    ("Denver", "Colorado", "CO"),
    ("Austin", "Texas", "TX"),
    ("Seattle", "Washington", "WA"),
    ("Phoenix", "Arizona", "AZ"),
    ("Portland", "Oregon", "OR"),
    ("Atlanta", "Georgia", "GA"),
    ("Nashville", "Tennessee", "TN"),
    ("San Diego", "California", "CA"),
    ("Sacramento", "California", "CA"),
    ("Las Vegas", "Nevada", "NV"),
    ("Minneapolis", "Minnesota", "MN"),
    ("Pittsburgh", "Pennsylvania", "PA"),
    ("New Orleans", "Louisiana", "LA"),
    ("Salt Lake City", "Utah", "UT"),
    ("Detroit", "Michigan", "MI"),
    ("Charlotte", "North Carolina", "NC"),
    ("Orlando", "Florida", "FL"),
    ("Albuquerque", "New Mexico", "NM"),
    ("Toronto", "Ontario", "ON"),
    ("Vancouver", "British Columbia", "BC"),
    ("Calgary", "Alberta", "AB"),
    ("Melbourne", "Victoria", "VIC"),
    ("Brisbane", "Queensland", "QLD"),
    ("Lyon", "France", ""),
    ("Kyoto", "Japan", ""),
    ("Osaka", "Japan", ""),
    ("Porto", "Portugal", ""),
    ("Seville", "Spain", ""),
    ("Munich", "Germany", ""),
    ("Edinburgh", "Scotland", ""),
    ("Manchester", "England", ""),
    ("Cape Town", "South Africa", ""),
    ("Cusco", "Peru", ""),
    ("Auckland", "New Zealand", ""),
    ("Florence", "Italy", ""),
    ("Krakow", "Poland", ""),
    ("Mombasa", "Kenya", ""),
    ("Bergen", "Norway", ""),
    ("Valparaiso", "Chile", ""),
    ("Guadalajara", "Mexico", ""),
)
# Values of text parameters whose kind a word of their name says (`situations.described_values`): without
# them a cuisine, a symptom or a time zone got a made-up code ("coral-30"), which neither reads like a
# request nor like BFCL's values ("Thai", "headache"). Keyed by a word of the parameter's name.
KINDS: dict[str, tuple[str, ...]] = {
    "cuisine": (
        "italian",
        "thai",
        "mexican",
        "japanese",
        "indian",
        "chinese",
        "french",
        "greek",
        "korean",
        "vietnamese",
        "lebanese",
        "spanish",
    ),
    "genre": (
        "comedy",
        "drama",
        "horror",
        "thriller",
        "romance",
        "documentary",
        "animation",
        "fantasy",
        "mystery",
        "science fiction",
    ),
    "specialty": (
        "dermatology",
        "cardiology",
        "pediatrics",
        "neurology",
        "orthopedics",
        "oncology",
        "psychiatry",
        "ophthalmology",
        "family medicine",
    ),
    "symptom": (
        "headache",
        "fever",
        "cough",
        "nausea",
        "fatigue",
        "sore throat",
        "dizziness",
        "back pain",
        "rash",
    ),
    "department": (
        "Engineering",
        "Marketing",
        "Sales",
        "Finance",
        "Human Resources",
        "Legal",
        "Support",
        "Operations",
        "Design",
    ),
    "exchange": ("NASDAQ", "NYSE", "LSE", "TSE", "Euronext", "HKEX"),
    "timezone": (
        "Europe/Paris",
        "America/New_York",
        "Asia/Tokyo",
        "Australia/Sydney",
        "Europe/London",
        "America/Los_Angeles",
        "Asia/Kolkata",
        "America/Chicago",
        "Africa/Nairobi",
    ),
    "word": (
        "serendipity",
        "ephemeral",
        "resilient",
        "meticulous",
        "candid",
        "ubiquitous",
        "pragmatic",
        "eloquent",
        "gregarious",
        "ambiguous",
        "benevolent",
        "tenacious",
    ),
    "company": (
        "Acme Corp",
        "Globex",
        "Initech",
        "Northwind Traders",
        "Contoso",
        "Stark Industries",
        "Umbrella Health",
        "Blue Harbor Logistics",
        "Pinecrest Labs",
    ),
    "provider": ("Aetna", "Cigna", "Blue Cross", "UnitedHealthcare", "Kaiser Permanente", "Humana"),
    "label": ("Home", "Work", "Gym", "Office", "School", "Parents", "Airport"),
    "reason": (
        "change of plans",
        "family emergency",
        "found a cheaper option",
        "schedule conflict",
        "trip postponed",
        "duplicate booking",
    ),
}
# Other spellings of a kind's word in parameter names.
KIND_ALIASES = {
    "speciality": "specialty",
    "specialization": "specialty",
    "symptoms": "symptom",
    "tz": "timezone",
    "organisation": "company",
    "organization": "company",
    "employer": "company",
    "insurer": "provider",
    "genres": "genre",
}
COLORS = ["red", "blue", "green", "black", "white", "silver", "yellow"]
STREETS = ["Oak Street", "Elm Avenue", "Harbor Road", "Maple Lane", "King Street", "Station Road"]


@dataclass(frozen=True)
class Vocabulary:
    """The lists values are drawn from; `wide` adds `adjectives`/`nouns` for made-up names of things."""

    name: str
    cities: tuple[str, ...]
    countries: tuple[str, ...]
    first: tuple[str, ...]
    last: tuple[str, ...]
    words: tuple[str, ...]
    topics: tuple[str, ...]
    foods: tuple[str, ...]
    colors: tuple[str, ...]
    streets: tuple[str, ...]
    adjectives: tuple[str, ...] = ()
    nouns: tuple[str, ...] = ()
    jobs: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    # Share of place values drawn as "City, Region" from PLACES_WITH_REGION (`situations.place_region_share`).
    region_share: float = 0.0
    # Share of money and count values drawn in thousands to billions (`situations.large_amount_share`).
    amount_share: float = 0.0
    # Share of (top-level) lists drawn with one item (`situations.single_item_share`).
    single_item_share: float = 0.0
    # Text values of named kinds from KINDS and coded values shaped like the description's example
    # (`situations.described_values`).
    described: bool = False

    @property
    def is_wide(self) -> bool:
        """Whether the richer value shapes apply (made-up names of things, other magnitudes, longer lists)."""
        return bool(self.nouns)


BASIC = Vocabulary(
    name="basic",
    cities=tuple(CITIES),
    countries=tuple(COUNTRIES),
    first=tuple(FIRST),
    last=tuple(LAST),
    words=tuple(WORDS),
    topics=tuple(TOPICS),
    foods=tuple(FOODS),
    colors=tuple(COLORS),
    streets=tuple(STREETS),
)

# Dishes for `wide` (faker ships none): the basic eight plus more, so food values are copied too.
DISHES = (
    "beef stew",
    "mushroom risotto",
    "vegetable curry",
    "pad thai",
    "fish tacos",
    "shepherd's pie",
    "caesar salad",
    "french onion soup",
    "chicken tikka masala",
    "eggplant parmesan",
    "banana bread",
    "pumpkin pie",
    "paella",
    "falafel wrap",
    "ramen",
    "goulash",
    "moussaka",
    "quiche lorraine",
    "pho",
    "carrot cake",
    "clam chowder",
    "ratatouille",
    "bibimbap",
    "pierogi",
    "gazpacho",
    "tiramisu",
    "lemon tart",
    "black bean burger",
    "couscous salad",
    "miso soup",
    "apple crumble",
    "shakshuka",
    "spinach lasagna",
    "teriyaki salmon",
    "chili con carne",
    "minestrone",
    "pancakes",
    "waffles",
    "granola",
    "hummus",
    "tabbouleh",
    "jambalaya",
    "gumbo",
    "empanadas",
    "dumplings",
    "fried rice",
    "cornbread",
    "meatballs",
    "poke bowl",
    "brownies",
)

# Locales whose faker address data lists real place names in Latin script.
_CITY_LOCALES = (
    "de_DE",
    "de_AT",
    "de_CH",
    "cs_CZ",
    "da_DK",
    "fi_FI",
    "pl_PL",
    "pt_PT",
    "ro_RO",
    "en_IN",
    "fr_DZ",
    "hr_HR",
    "nl_NL",
    "it_IT",
)
_REGION_LOCALES = ("en_US", "es_ES", "es_MX", "en_CA", "en_PH", "fr_FR", "de_DE")
_PERSON_LOCALES = ("en_US", "de_DE", "fr_FR", "es_ES", "it_IT", "pt_BR", "pl_PL", "nl_NL", "sv_SE", "tr_TR")
# Latin letters (accents allowed), spaces, hyphens, apostrophes and dots: what a user types in English text.
_LATIN = re.compile(r"^[A-Za-zÀ-ɏ][A-Za-zÀ-ɏ .'\-]*$")
# Cap per locale: it_IT alone lists 16k comuni, which would crowd out every other country.
_PER_LOCALE = 400


def _provider(kind: str, locale: str) -> Any:
    return importlib.import_module(f"faker.providers.{kind}.{locale}").Provider


def _names(values: object) -> list[str]:
    items = list(values.keys()) if isinstance(values, dict) else list(values)  # type: ignore[call-overload]
    return [str(v) for v in items if isinstance(v, str) and _LATIN.match(v) and len(v) <= 28]


def _spread(lists: list[list[str]]) -> tuple[str, ...]:
    """Each locale's list capped and evenly thinned, merged without repeats, in a fixed order."""
    out: dict[str, None] = {}
    for values in lists:
        step = max(1, len(values) // _PER_LOCALE)
        for v in values[::step][:_PER_LOCALE]:
            out.setdefault(v, None)
    return tuple(out)


@functools.cache
def wide() -> Vocabulary:
    """The `wide` pools, built once per process from faker's data lists (no faker RNG involved)."""
    cities = _spread([_names(getattr(_provider("address", loc), "cities", ())) for loc in _CITY_LOCALES])
    regions: list[list[str]] = []
    for loc in _REGION_LOCALES:
        p = _provider("address", loc)
        regions.append(
            _names(getattr(p, "states", ()) or getattr(p, "provinces", ()) or getattr(p, "regions", ()))
        )
    first = _spread([_names(_provider("person", loc).first_names) for loc in _PERSON_LOCALES])
    last = _spread([_names(_provider("person", loc).last_names) for loc in _PERSON_LOCALES])
    lorem = _provider("lorem", "en_US")
    pos = lorem.parts_of_speech
    nouns = tuple(w for w in pos["noun"] if w.isalpha() and len(w) > 2)
    adjectives = tuple(w for w in pos["adjective"] if w.isalpha() and len(w) > 2)
    words = tuple(dict.fromkeys(w for w in lorem.word_list if w.isalpha() and len(w) > 3))
    colors = tuple(re.sub(r"(?<=[a-z])(?=[A-Z])", " ", c) for c in _provider("color", "en_US").all_colors)
    jobs = tuple(j for j in _provider("job", "en_US").jobs if _LATIN.match(j) and "," not in j)
    streets = tuple(
        f"{n.title()} {s}" for n in nouns[:60] for s in ("Street", "Avenue", "Road", "Lane", "Way")
    )
    countries = tuple(dict.fromkeys(_names(_provider("address", "en_US").countries)))
    return Vocabulary(
        name="wide",
        cities=cities + BASIC.cities,
        countries=countries,
        first=first,
        last=last,
        words=words,
        topics=BASIC.topics,
        foods=BASIC.foods + DISHES,
        colors=colors,
        streets=streets,
        adjectives=adjectives,
        nouns=nouns,
        jobs=jobs,
        regions=_spread(regions),
    )


def vocabulary(name: str) -> Vocabulary:
    """The pools called `name` (one of VOCABULARIES)."""
    if name == "basic":
        return BASIC
    if name == "wide":
        return wide()
    raise ValueError(f"unknown value vocabulary {name!r}: choose one of {', '.join(VOCABULARIES)}")
