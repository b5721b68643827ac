"""Units of the synthesis engine: call validation, scripted tool results, values, phrasing."""

from __future__ import annotations

import itertools
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest

from toolmind.schema import FunctionSpec, Message, ToolCall, ToolSpec
from toolmind.synth.agents import extract_json
from toolmind.synth.config import SynthConfig
from toolmind.synth.phrases import mine, task_phrase
from toolmind.synth.toolsim import find_field, simulate
from toolmind.synth.validate import validate_call
from toolmind.synth.values import coerce, sample_value, say, singular_name
from toolmind.synth.vocab import BASIC

BOOK = ToolSpec(
    function=FunctionSpec(
        name="book_table",
        description="Books a table at a restaurant.",
        parameters={
            "type": "object",
            "properties": {
                "restaurant_id": {"type": "string"},
                "guests": {"type": "integer"},
                "time": {"type": "string", "enum": ["18:00", "20:00"]},
                "tags": {"type": "array", "items": {"type": "string"}},
                "deposit": {"type": "number"},
                "outdoor": {"type": "boolean"},
            },
            "required": ["restaurant_id", "guests"],
        },
    ),
    returns={
        "type": "object",
        "properties": {
            "reservation_id": {"type": "string"},
            "restaurant_id": {"type": "string"},
            "guests": {"type": "integer"},
            "tables": {
                "type": "array",
                "items": {"type": "object", "properties": {"restaurant_id": {"type": "string"}}},
            },
        },
    },
)
TOOLS = {"book_table": BOOK}


def _call(args: object, name: str = "book_table") -> ToolCall:
    return ToolCall.make("c1", name, args if isinstance(args, str) else json.dumps(args))


@pytest.mark.parametrize(
    ("args", "name", "kind", "needle"),
    [
        ({"restaurant_id": "r1", "guests": 2}, "nope", "unknown_tool", "nope"),
        ("[1, 2]", "book_table", "invalid_arguments", "JSON object"),
        ("{not json", "book_table", "invalid_arguments", "not valid JSON"),
        ({"guests": 2}, "book_table", "missing_argument", "restaurant_id"),
        ({"restaurant_id": "r1", "guests": "2"}, "book_table", "invalid_type", "integer"),
        ({"restaurant_id": "r1", "guests": True}, "book_table", "invalid_type", "integer"),
        ({"restaurant_id": "r1", "guests": 2, "time": "19:00"}, "book_table", "invalid_value", "18:00"),
        ({"restaurant_id": "r1", "guests": 2, "tags": ["a", 3]}, "book_table", "invalid_type", "tags[1]"),
        ({"restaurant_id": "r1", "guests": 2, "vip": 1}, "book_table", "unexpected_argument", "vip"),
        ({"restaurant_id": "r1", "guests": 2, "outdoor": "yes"}, "book_table", "invalid_type", "boolean"),
    ],
)
def test_validation_errors(args: object, name: str, kind: str, needle: str) -> None:
    error = validate_call(_call(args, name), TOOLS)
    assert error is not None and error.kind == kind and needle in error.message
    assert error.result() == {"error": {"type": kind, "message": error.message}}


def test_valid_calls_pass() -> None:
    good = {
        "restaurant_id": "r1",
        "guests": 2,
        "time": "20:00",
        "tags": ["quiet"],
        "deposit": 5,
        "outdoor": False,
    }
    assert validate_call(_call(good), TOOLS) is None  # an integer is a valid number


def test_simulated_result_follows_returns_echoes_args_and_is_stable() -> None:
    call = _call({"restaurant_id": "r9", "guests": 4})
    first = json.loads(simulate(call, BOOK, [], "0|c"))
    assert set(first) == {"reservation_id", "restaurant_id", "guests", "tables"}
    assert first["restaurant_id"] == "r9" and first["guests"] == 4
    assert all(t["restaurant_id"] == "r9" for t in first["tables"])  # nested fields echo the argument too
    assert json.loads(simulate(call, BOOK, [], "0|c")) == first
    other = json.loads(simulate(call, BOOK, [], "1|c"))
    assert other["reservation_id"] != first["reservation_id"]
    # an identical earlier call in the conversation returns the identical result
    earlier = [
        Message(
            role="assistant",
            tool_calls=[ToolCall.make("x", "book_table", {"guests": 4, "restaurant_id": "r9"})],
        ),
        Message(role="tool", tool_call_id="x", content='{"reservation_id": "R-1"}'),
    ]
    assert simulate(call, BOOK, earlier, "0|c") == '{"reservation_id": "R-1"}'


def test_values_follow_schema_and_name() -> None:
    rng = random.Random(0)
    assert isinstance(sample_value("guests", {"type": "integer", "minimum": 1, "maximum": 8}, rng), int)
    assert sample_value("mode", {"type": "string", "enum": ["a", "b"]}, rng) in ("a", "b")
    date = sample_value("check_in_date", {"type": "string"}, rng)
    assert len(date) == 10 and date[4] == "-"
    assert "@" in sample_value("email", {"type": "string"}, rng)
    code = sample_value("file_id", {"type": "string", "description": "Identifier, e.g. 'file_1AbC9'."}, rng)
    assert code.startswith("file_") and len(code) == len("file_1AbC9")
    items = sample_value("cities", {"type": "array", "items": {"type": "string"}}, rng)
    assert isinstance(items, list) and len(items) >= 1
    price = sample_value("price", {"type": "number"}, rng)
    assert isinstance(price, float) and price != int(price)  # said as "12.5", never re-read as an int
    assert say([1, 2, 3]) == "1, 2 and 3" and say(True) == "true" and say(2.5) == "2.5"
    assert coerce("12", {"type": "integer"}) == 12 and coerce(3, {"type": "string"}) == "3"
    assert coerce({"a": 1}, {"type": "integer"}) is None


def test_task_phrase_and_json_extraction() -> None:
    assert task_phrase(BOOK) == "book a table at a restaurant"
    assert task_phrase(ToolSpec(function=FunctionSpec(name="get_weather_now"))) == "get weather now"
    assert extract_json('<think>hmm</think>```json\n{"a": 1}\n```') == {"a": 1}
    assert extract_json('Sure! {"a": [1, 2]} hope that helps') == {"a": [1, 2]}
    with pytest.raises(ValueError):
        extract_json("no json here")
    assert find_field({"x": [{"order_id": "o1"}]}, "order_id") == "o1"


def test_model_answers_that_are_not_json_are_recorded_not_fatal() -> None:
    import asyncio

    from toolmind.llm.scripted import ScriptedBackend
    from toolmind.schema import Chain
    from toolmind.synth.agents import Agent, tool_result, write_goal
    from toolmind.synth.config import AgentConfig, SynthConfig
    from toolmind.synth.plan import build_plan

    def chatty(request: object) -> Message:
        return Message(role="assistant", content="Sure! Here you go: the weather is nice.")

    agent = Agent("goal", ScriptedBackend(chatty, "chatty"), AgentConfig())
    cfg = SynthConfig()
    cfg.situations.distractor_share = 0.0
    plan = build_plan(Chain(id="c", tools=["book_table"]), TOOLS, [BOOK], cfg)
    goal, hidden, _, error = asyncio.run(write_goal(agent, plan))
    assert goal == plan.goal and hidden == plan.hidden_details and error and "goal agent" in error
    call = _call({"restaurant_id": "r1", "guests": 2})
    message, completion = asyncio.run(
        tool_result(Agent("tool", agent.backend, AgentConfig()), plan, call, [])
    )
    assert completion is not None and message.role == "tool" and message.tool_call_id == "c1"
    assert message.content.startswith("Sure!") and message.parse_error and "not JSON" in message.parse_error


def test_spoken_task_paraphrases_only_at_its_share() -> None:
    from toolmind.synth.phrases import spoken_task

    tool = ToolSpec(
        function=FunctionSpec(
            name="calculate_triangle_area",
            description="Calculate the area of a triangle given its base and height.",
            parameters={"type": "object", "properties": {}},
        )
    )
    rng = random.Random(0)
    assert {spoken_task(tool, rng, 0.0) for _ in range(20)} == {task_phrase(tool)}
    state = rng.getstate()
    spoken_task(tool, rng, 0.0)
    assert rng.getstate() == state  # share 0 draws nothing: seeded recipes keep their output
    said = {spoken_task(tool, rng, 1.0) for _ in range(200)}
    assert task_phrase(tool) not in said
    assert "calculate the area of a triangle" in said  # the description's head, without its tail
    assert any(s.startswith(("compute ", "work out ", "figure out ", "determine ")) for s in said)
    assert any(s.endswith("the triangle area") for s in said)  # the name in words


def test_numbers_said_with_units_where_the_name_implies_one() -> None:
    from toolmind.synth.phrases import with_unit

    rng = random.Random(0)
    assert with_unit("duration_years", 5, {}, rng, 1.0) == "5 years"
    assert with_unit("bag_weight_kg", 28.5, {}, rng, 1.0) in ("28.5 kg", "28.5kg")
    assert with_unit("price", 120, {}, rng, 1.0) == "$120"
    assert with_unit("price", 120, {"currency": "EUR"}, rng, 1.0) is None  # "$" would contradict EUR
    assert with_unit("guests", 4, {}, rng, 1.0) is None
    assert with_unit("duration_years", "5", {}, rng, 1.0) is None
    assert with_unit("duration_years", 5, {}, rng, 0.0) is None


def test_metric_abbreviations_are_sometimes_glued_to_the_number() -> None:
    """BFCL writes "6cm", "5kg", "3m" as often as "6 cm": a model that only saw the spaced form copies the
    glued one into the call unquoted ({"base": 6cm}), which no longer parses. Words stay spaced."""
    from toolmind.synth.phrases import with_unit

    rng = random.Random(0)
    kg = {with_unit("bag_weight_kg", 28.5, {}, rng, 1.0) for _ in range(50)}
    assert kg == {"28.5 kg", "28.5kg"}
    metres = {with_unit("height_m", 20, {}, rng, 1.0) for _ in range(50)}
    assert metres == {"20 m", "20m"}
    assert {with_unit("duration_years", 5, {}, rng, 1.0) for _ in range(20)} == {"5 years"}
    assert {with_unit("resistance_ohm", 220, {}, rng, 1.0) for _ in range(20)} == {"220 ohms"}


def test_numbers_said_with_the_unit_the_description_states() -> None:
    """BFCL names most parameters without their unit ("duration", "mass1") and its questions say one
    ("72 hours", "20 kg"): the unit comes from the description too, so the model learns to drop it."""
    from toolmind.synth.phrases import with_unit

    rng = random.Random(0)

    def said(name: str, value: float, desc: str, stated: dict[str, object] | None = None) -> str | None:
        return with_unit(name, value, stated or {}, rng, 1.0, {"type": "number", "description": desc})

    assert said("duration", 72, "Duration of the forecast in hours.") == "72 hours"
    assert said("mass", 12.5, "Mass in kilograms, e.g. 12.5.") in ("12.5 kg", "12.5kg")
    assert said("molarity", 0.1, "Concentration in moles per litre, e.g. 0.1.") == "0.1 mol/L"
    assert said("present_value", 1000, "Present value in major currency units, e.g. 1000.") == "$1000"
    assert said("present_value", 1000, "Present value in major currency units.", {"currency": "EUR"}) is None
    assert said("latitude", 40.7, "Latitude in decimal degrees (-90 to 90).") is None  # no unit people say
    speed = said("velocity", 9.8, "Speed in metres per second, e.g. 9.8.")
    assert speed in ("9.8 m/s", "9.8m/s")  # a speed, not "9.8 meters"
    assert said("voltage", 12, "Voltage in volts, e.g. 12.") in ("12 V", "12V")
    assert said("width", 3, "Length in the unit of your choice.") is None
    assert said("guests", 4, "Number of guests.") is None


def test_namespaced_trajectory_renames_every_use_of_a_tool_name() -> None:
    from toolmind.schema import Trajectory
    from toolmind.synth.namespace import chosen, namespace_tools

    traj = Trajectory(
        id="t1",
        tools=[BOOK],
        messages=[
            Message(role="user", content="Book a table at r1 for 2, as book_table would."),
            Message(
                role="assistant",
                reasoning_content="Only book_table fits; not my_book_table_x.",
                tool_calls=[ToolCall.make("c1", "book_table", {"restaurant_id": "r1", "guests": 2})],
            ),
            Message(role="tool", content="{}", tool_call_id="c1", name="book_table"),
            Message(role="assistant", content="Done with book_table."),
        ],
    )
    out = namespace_tools(traj, {"book_table": "dining"})
    assert out.tools[0].function.name == "dining.book_table"
    assert out.messages[1].tool_calls is not None
    assert out.messages[1].tool_calls[0].function.name == "dining.book_table"
    assert out.messages[1].reasoning_content == "Only dining.book_table fits; not my_book_table_x."
    assert out.messages[2].name == "dining.book_table"
    assert out.messages[3].content == "Done with dining.book_table."
    assert out.messages[0].content == traj.messages[0].content  # user turns are left as written
    assert traj.tools[0].function.name == "book_table"  # a copy: the input is unchanged
    assert namespace_tools(traj, {}) is traj
    picks = [chosen(0, f"t{i}", 0.3) for i in range(2000)]
    assert 0.25 < sum(picks) / len(picks) < 0.35
    assert picks == [chosen(0, f"t{i}", 0.3) for i in range(2000)]
    assert not any(chosen(0, f"t{i}", 0.0) for i in range(100))


def test_renamed_fix_reasoning_speaks_of_the_called_tools_parameter() -> None:
    """Two tools share a parameter name that only one respells: the fix of a call to the other quotes
    the name its own tool (and its error) still uses, not the other tool's spelling."""
    from toolmind.schema import Trajectory
    from toolmind.synth.rename import rename_tools

    def tool(name: str) -> ToolSpec:
        return ToolSpec(
            function=FunctionSpec(
                name=name,
                description="Posts a text.",
                parameters={
                    "type": "object",
                    "properties": {"item_id": {"type": "string"}, "text": {"type": "string"}},
                    "required": ["item_id", "text"],
                },
            )
        )

    error = "Missing required argument 'text'."
    traj = Trajectory(
        id="t2",
        tools=[tool("add_comment"), tool("send_note")],
        messages=[
            Message(role="user", content="Comment 'hi' on T-1."),
            Message(
                role="assistant",
                reasoning_content="Only add_comment fits.",
                tool_calls=[ToolCall.make("c1", "add_comment", {"item_id": "T-1"})],
            ),
            Message(
                role="tool",
                content=json.dumps({"error": {"message": error}}),
                tool_call_id="c1",
                name="add_comment",
            ),
            Message(
                role="assistant",
                reasoning_content=f"add_comment returned an error ({error.rstrip('.')}). I'll fix that and retry.",
                tool_calls=[ToolCall.make("c2", "add_comment", {"item_id": "T-1", "text": "hi"})],
            ),
        ],
    )
    checked = 0
    for seed in range(200):
        out = rename_tools(traj, random.Random(seed))
        spelled = [list(t.function.parameters["properties"])[1] for t in out.tools]
        if spelled[0] == spelled[1]:
            continue  # both tools spell it alike: nothing to tell apart
        checked += 1
        fixed = out.messages[3]
        assert f"'{spelled[0]}'" in out.messages[2].content  # the tool's own error
        assert f"'{spelled[0]}'" in (fixed.reasoning_content or ""), (seed, spelled, fixed.reasoning_content)
        assert set(fixed.tool_calls[0].function.parsed_arguments()) == {  # type: ignore[index]
            next(iter(out.tools[0].function.parameters["properties"])),
            spelled[0],
        }
    assert checked >= 20


def test_renamed_trajectory_respells_names_consistently() -> None:
    from toolmind.schema import Trajectory
    from toolmind.synth.rename import chosen, rename_tools, variant

    traj = Trajectory(
        id="t1",
        tools=[BOOK],
        messages=[
            Message(role="user", content="Book a table at r1 for 2 at 18:00."),
            Message(
                role="assistant",
                reasoning_content="Only book_table fits.",
                tool_calls=[ToolCall.make("c1", "book_table", {"restaurant_id": "r1", "time": "18:00"})],
            ),
            Message(
                role="tool",
                content="Error: missing required parameter 'guests'; got 'time'.",
                tool_call_id="c1",
                name="book_table",
            ),
            Message(
                role="assistant",
                tool_calls=[
                    ToolCall.make("c2", "book_table", {"restaurant_id": "r1", "guests": 2, "time": "18:00"})
                ],
            ),
            Message(
                role="tool",
                content='{"time": "18:00", "restaurant_id": "r1"}',
                tool_call_id="c2",
                name="book_table",
            ),
            Message(role="assistant", content="Done: book_table booked the time you asked for."),
        ],
        meta={"hidden_details": [{"tool": "book_table", "arguments": {"guests": 2}}], "situations": []},
    )
    out = rename_tools(traj, random.Random(0))
    fn = out.tools[0].function
    old_props = list(BOOK.function.parameters["properties"])
    new_props = list(fn.parameters["properties"])
    mapping = dict(zip(old_props, new_props, strict=True))
    assert fn.name != "book_table" or mapping != {p: p for p in old_props}
    assert len(set(new_props)) == len(new_props)
    assert fn.parameters["required"] == [mapping[p] for p in BOOK.function.parameters["required"]]
    for i in (1, 3):
        call = out.messages[i].tool_calls[0]  # type: ignore[index]
        assert call.function.name == fn.name
        assert set(call.function.parsed_arguments()) <= set(new_props)
    assert out.messages[3].tool_calls[0].function.parsed_arguments() == {  # type: ignore[index]
        mapping["restaurant_id"]: "r1",
        mapping["guests"]: 2,
        mapping["time"]: "18:00",
    }
    assert out.messages[1].reasoning_content == f"Only {fn.name} fits."
    assert (
        f"'{mapping['guests']}'" in out.messages[2].content
        and f"'{mapping['time']}'" in out.messages[2].content
    )
    assert out.messages[2].name == out.messages[4].name == fn.name
    assert out.messages[4].content == traj.messages[4].content  # result keys are output fields: untouched
    assert out.messages[5].content.endswith("the time you asked for.")  # prose is not an identifier
    assert out.messages[0].content == traj.messages[0].content
    assert out.meta["hidden_details"] == [{"tool": fn.name, "arguments": {mapping["guests"]: 2}}]
    assert out.meta["renamed"] and "renamed" in out.meta["situations"]
    assert traj.tools[0].function.name == "book_table"  # a copy: the input is unchanged
    # Dotted heads are kept; one-word names take whole synonyms, compounds only one-word ones.
    rng = random.Random(1)
    assert all(variant("hotels.get_hotel_reviews", rng, True).startswith("hotels.") for _ in range(50))
    assert {variant("city", rng) for _ in range(50)} <= {"location", "place", "town", "city_name", "cityName"}
    assert all("country_name" not in variant("country_code", rng) for _ in range(50))
    # A thing's name is sometimes just `name` (a pool without one taught the model to put the function's
    # own name there); a first or last name never is, and a function is never called `name`.
    planet = [variant("planet_name", rng) for _ in range(200)]
    assert 60 < planet.count("name") < 140 and all(v == "name" or v.startswith("planet") for v in planet)
    assert "name" not in {variant("last_name", rng) for _ in range(100)}
    assert "name" not in {variant("get_planet_name", rng, True) for _ in range(100)}
    picks = [chosen(0, f"t{i}", 0.5) for i in range(2000)]
    assert 0.45 < sum(picks) / len(picks) < 0.55
    assert not any(chosen(0, f"t{i}", 0.0) for i in range(100))


def test_topic_question_is_about_an_offered_tool_and_makes_no_call() -> None:
    from toolmind.synth import offtopic

    assert offtopic.subject("hotels.get_hotel_reviews") == "hotel reviews"
    assert offtopic.subject("calculatePercentageChange") == "percentage change"
    assert offtopic.subject("get") is None
    assert offtopic.subject("assign_task") == "task"  # "the history of assign task" before
    assert offtopic.subject("reply_to_email") == "email"
    assert offtopic.subject("compute_break_even_point") == "break even point"  # a noun here
    q, reasoning, content = offtopic.topic_question(
        "hotel reviews", "get_hotel_reviews", "get reviews", random.Random(0)
    )
    assert "hotel reviews" in q and q.rstrip().endswith(("?", "."))
    assert "get_hotel_reviews" in reasoning and "<tool_call>" not in content


def test_topic_question_share_plans_a_no_tool_turn_about_the_offered_tools() -> None:
    from toolmind.schema import Chain
    from toolmind.synth.config import SynthConfig
    from toolmind.synth.episodes import EpisodeBuilder

    cfg = SynthConfig()
    cfg.situations.direct_answer_share = 0.0
    cfg.situations.topic_question_share = 1.0
    pool = [BOOK]
    b = EpisodeBuilder(Chain(id="c", tools=["book_table"]), {"book_table": BOOK}, pool, cfg, None)
    ep = b.no_tool_episode([BOOK])
    assert ep.kind == "no_tool" and ep.no_tool_kind == "topic_question" and not ep.calls
    assert "table" in ep.request


def test_a_description_listing_examples_samples_among_them() -> None:
    rng = random.Random(0)
    schema = {"type": "string", "description": "Chemical formula, e.g. 'H2O', 'C6H12O6', 'NaCl'."}
    drawn = {sample_value("chemical_formula", schema, rng) for _ in range(40)}
    assert drawn == {"H2O", "C6H12O6", "NaCl"}
    one = {"type": "string", "description": "City name, e.g. 'Lisbon'."}  # one example: not a closed list
    assert len({sample_value("city", one, rng) for _ in range(40)}) > 1


def test_list_items_are_what_the_lists_description_says() -> None:
    rng = random.Random(0)
    to = {
        "type": "array",
        "items": {"type": "string"},
        "description": "To: Email addresses, e.g. ['a@x.com'].",
    }
    for _ in range(20):  # "to" alone reads as a destination: the description must win
        assert all(re.fullmatch(r"[a-z]+\.[a-z]+@example\.com", v) for v in sample_value("to", to, rng))
    labels = {"type": "array", "items": {"type": "string"}, "description": "Labels, e.g. ['bug', 'p1']."}
    assert {v for _ in range(20) for v in sample_value("labels", labels, rng)} == {"bug", "p1"}
    seats = {"type": "array", "items": {"type": "string"}, "description": "Seats, e.g. ['F7', 'F8']."}
    assert all(re.fullmatch(r"[A-Z]\d", v) for v in sample_value("seat_numbers", seats, rng))
    times = {
        "type": "array",
        "items": {"type": "string"},
        "description": "Times of day, e.g. ['08:00', '20:00'].",
    }
    drawn = {v for _ in range(20) for v in sample_value("times", times, rng)}
    assert len(drawn) > 2 and all(re.fullmatch(r"\d\d:\d\d", v) for v in drawn)  # times keep their wide pool
    # An item is drawn by its singular's rule: `cities` -> `city` (a bare "s" cut gave `citie` and
    # items like "quartz-22"), `currencies` -> `currency`.
    plain = {"type": "array", "items": {"type": "string"}, "description": "Where to look."}
    cities = {v for _ in range(10) for v in sample_value("cities", plain, rng)}
    assert cities <= set(BASIC.cities)
    currencies = {v for _ in range(10) for v in sample_value("currencies", plain, rng)}
    assert all(re.fullmatch(r"[A-Z]{3}", v) for v in currencies)
    names = ("cities", "addresses", "boxes", "trackIds", "status", "days", "movies", "species")
    singulars = {n: singular_name(n) for n in names}
    assert singulars == {
        "cities": "city",
        "addresses": "address",
        "boxes": "box",
        "trackIds": "trackId",
        "status": "status",
        "days": "day",
        "movies": "movie",
        "species": "species",
    }


def test_values_said_in_natural_phrases_where_the_name_says_how() -> None:
    from toolmind.synth.natural import fragment, join, of_phrase

    rng = random.Random(0)
    assert fragment("location", "Houston", "Houston", rng) in {"in Houston", "for Houston", "near Houston"}
    assert fragment("start_date", "2025-03-01", "2025-03-01", rng) == "from 2025-03-01"
    assert fragment("check_out_date", "2025-03-04", "2025-03-04", rng) in {
        "until 2025-03-04",
        "to 2025-03-04",
    }
    assert fragment("date", "2025-03-04", "2025-03-04", rng) == "on 2025-03-04"
    assert (
        fragment("date", "2025-03-04", "tomorrow", rng) is None
    )  # the invented-date situation keeps its word
    assert fragment("to_currency", "USD", "USD", rng) == "to USD"
    assert "precipitation" in (fragment("include_precipitation", True, "true", rng) or "")
    assert (fragment("include_precipitation", False, "false", rng) or "").startswith(("without", "excluding"))
    assert fragment("duration_days", 5, "5 days", rng) in {
        "for 5 days",
        "over the next 5 days",
        "for the next 5 days",
    }
    assert fragment("bag_count", 2, "2", rng) is None  # a count of bags is no result limit
    assert fragment("team_name", "Liverpool F.C.", "Liverpool F.C.", rng) == "for the team 'Liverpool F.C.'"
    assert fragment("order_state", "shipped", "shipped", rng) is None
    assert fragment("base", 10, "10", rng) is None  # left to of_phrase
    # A bound is no count of results: "max_price" once read "(at most 244.8 results)".
    assert fragment("max_price", 244.8, "$244.8", rng) == "for at most $244.8"
    assert fragment("max_stops", 2, "2", rng) == "with at most 2 stops"
    assert fragment("min_bedrooms", 3, "3", rng) == "with at least 3 bedrooms"
    assert not (fragment("duration_min", 30, "30", rng) or "").startswith("with at least")
    assert fragment("limit", 8, "8", rng) in {"(at most 8 results)", "(top 8)"}
    assert fragment("full_name", "Jonas Rossi", "Jonas Rossi", rng) == "for Jonas Rossi"
    assert fragment("year", 1970, "1970", rng) in {"in 1970", "for 1970", "in the year 1970"}
    assert fragment("start_year", 1960, "1960", rng) == "from 1960"
    assert fragment("end_year", 2000, "2000", rng) in {"to 2000", "until 2000"}
    tail = join(["in Houston"], [of_phrase("width", "20"), of_phrase("interest rate", "4%")])
    assert tail == "in Houston with a width of 20 and an interest rate of 4%"


def _all_required(name: str, description: str, properties: dict[str, Any]) -> ToolSpec:
    parameters = {"type": "object", "properties": properties, "required": list(properties)}
    return ToolSpec(function=FunctionSpec(name=name, description=description, parameters=parameters))


def _one_call_config() -> SynthConfig:
    """A synthesis config whose plans are one plain call: no distractors, declines, parallel or
    multi-step calls, missing values or injected errors (a leak leaves a value unsaid)."""
    cfg = SynthConfig()
    s = cfg.situations
    s.natural_share = s.unit_share = s.distractor_share = s.no_tool_share = 0.0
    s.parallel_share = s.multi_step_share = s.missing_arg_share = 0.0
    cfg.errors.turn_error_share = cfg.errors.hidden_leak_share = 0.0
    return cfg


def test_natural_share_says_values_without_naming_parameters_and_calls_keep_them() -> None:
    from toolmind.schema import Chain
    from toolmind.synth.plan import build_plan

    forecast = _all_required(
        "get_forecast",
        "Get the weather forecast for a city.",
        {
            "city": {"type": "string", "description": "City name."},
            "days": {"type": "integer", "description": "Number of days."},
            "include_humidity": {"type": "boolean", "description": "Add humidity."},
        },
    )
    cfg = _one_call_config()
    cfg.situations.natural_share = cfg.situations.unit_share = 1.0
    seen = 0
    for i in range(10):
        plan = build_plan(
            Chain(id=f"c{i}", tools=["get_forecast"]), {"get_forecast": forecast}, [forecast], cfg
        )
        request = plan.lines[0].text
        call = next(a for a in plan.acts if a.kind == "call").calls[0]
        city, days = call.stated["city"], call.stated["days"]
        assert f" {city}" in request and f"{days} days" in request, request
        assert "the city" not in request and "the days" not in request, request
        if call.stated["include_humidity"]:
            assert "humidity" in request and "true" not in request, request
            seen += 1
    assert seen  # the boolean came up true at least once


def _assert_share_is_inert_at_zero_and_checked(field: str, *, on: float, bad: float) -> None:
    """A situation share added after runs had finished: at 0 (its default) it draws what was drawn before
    and keeps finished runs' config hashes; on, it changes the hash; out of [0, 1], it is refused."""
    from toolmind.synth.config import SynthConfig, validate_config

    rng = random.Random(7)
    assert [sample_value(name, schema, rng, vocab=BASIC) for name, schema in VALUE_CASES] == BASIC_BEFORE
    cfg = SynthConfig()
    before = cfg.content_hash()
    setattr(cfg.situations, field, 0.0)
    assert cfg.content_hash() == before
    setattr(cfg.situations, field, on)
    assert cfg.content_hash() != before
    setattr(cfg.situations, field, bad)
    with pytest.raises(ValueError, match=rf"my\.yaml: situations\.{field}"):
        validate_config(cfg, "my.yaml")


def test_place_region_share_says_a_place_with_its_region_and_the_call_copies_it_whole() -> None:
    from toolmind.schema import Chain
    from toolmind.synth.plan import build_plan

    forecast = _all_required(
        "get_forecast",
        "Get the weather forecast for a city.",
        {
            "city": {"type": "string", "description": "City name."},
            "days": {"type": "integer", "description": "Number of days."},
        },
    )
    cfg = _one_call_config()
    cfg.situations.place_region_share = 1.0
    for natural in (0.0, 1.0):
        cfg.situations.natural_share = natural
        for i in range(6):
            plan = build_plan(
                Chain(id=f"c{i}", tools=["get_forecast"]), {"get_forecast": forecast}, [forecast], cfg
            )
            request = plan.lines[0].text
            city = next(a for a in plan.acts if a.kind == "call").calls[0].stated["city"]
            assert re.fullmatch(r"[A-Z][A-Za-z ]+, [A-Z][A-Za-z ]+", city), city
            assert city in request, (city, request)  # said whole, commas and all


def test_place_regions_are_drawn_at_their_share_never_inside_lists_and_keep_old_hashes() -> None:
    import dataclasses

    from toolmind.synth.vocab import BASIC, PLACES_WITH_REGION

    regions = {f"{c}, {r}" for c, r, _ in PLACES_WITH_REGION} | {
        f"{c}, {a}" for c, _, a in PLACES_WITH_REGION if a
    }
    half = dataclasses.replace(BASIC, region_share=0.5)
    drawn = [sample_value("location", {"type": "string"}, random.Random(i), vocab=half) for i in range(400)]
    with_region = [v for v in drawn if "," in v]
    assert set(with_region) <= regions and 150 < len(with_region) < 250
    assert {v for v in drawn if "," not in v} <= set(BASIC.cities)
    every = dataclasses.replace(BASIC, region_share=1.0)
    lists = [
        sample_value(
            "locations",
            {"type": "array", "items": {"type": "string", "description": "A city."}},
            random.Random(i),
            vocab=every,
        )
        for i in range(50)
    ]
    assert not any("," in item for items in lists for item in items)
    _assert_share_is_inert_at_zero_and_checked("place_region_share", on=0.4, bad=1.5)


def test_large_amounts_are_said_as_people_write_them_and_the_call_carries_the_number() -> None:
    from toolmind.filter.leakage import _known
    from toolmind.schema import Chain
    from toolmind.synth.plan import build_plan

    roe = _all_required(
        "calculate_return_on_equity",
        "Calculate a company's return on equity.",
        {
            "net_income": {"type": "number", "description": "Net income in USD."},
            "population": {"type": "integer", "description": "Number of people."},
        },
    )
    cfg = _one_call_config()
    cfg.situations.large_amount_share = 1.0
    forms: set[str] = set()
    for natural, unit in ((0.0, 0.0), (1.0, 1.0), (0.0, 1.0)):
        cfg.situations.natural_share, cfg.situations.unit_share = natural, unit
        for i in range(12):
            plan = build_plan(
                Chain(id=f"c{i}", tools=[roe.function.name]), {roe.function.name: roe}, [roe], cfg
            )
            request = plan.lines[0].text
            stated = next(a for a in plan.acts if a.kind == "call").calls[0].stated
            for value in stated.values():
                assert isinstance(value, int) and value >= 1000 and value % 100 == 0, value
                # The filter's leak check reads the spoken form back: the value counts as told.
                assert _known(str(value), request.lower(), 6), (value, request)
            forms |= {f for f in ("million", "billion", ",", "$", "M") if f in request}
    assert {"million", ",", "$"} <= forms, forms


def test_large_amounts_are_drawn_at_their_share_for_amount_names_only_and_keep_old_hashes() -> None:
    import dataclasses

    from toolmind.synth.phrases import say_amount
    from toolmind.synth.vocab import BASIC

    half = dataclasses.replace(BASIC, amount_share=0.5)
    number = {"type": "number"}
    drawn = [sample_value("total_payout", number, random.Random(i), vocab=half) for i in range(400)]
    assert 150 < sum(v >= 1000 for v in drawn) < 250
    every = dataclasses.replace(BASIC, amount_share=1.0)
    for name, schema in (
        ("tip_amount", number),
        ("interest_rate", number),
        ("price", {**number, "maximum": 500}),
    ):
        assert all(sample_value(name, schema, random.Random(i), vocab=every) < 1000 for i in range(50)), name
    rng = random.Random(3)
    said = {
        say_amount(v, rng, money=m)
        for v in (12000, 2_500_000, 1_200_000_000)
        for m in (False, True)
        for _ in range(30)
    }
    assert {"12,000", "12000", "2.5 million", "2,500,000", "2500000", "2.5M", "1.2 billion", "1.2B"} <= said
    assert not any(
        s.endswith(("M", "B")) for s in {say_amount(2_500_000, rng) for _ in range(50)}
    )  # "M" after "$" only
    _assert_share_is_inert_at_zero_and_checked("large_amount_share", on=0.3, bad=-0.1)


def test_single_item_share_draws_lists_of_one_at_its_share_and_keeps_old_hashes() -> None:
    import dataclasses

    from toolmind.synth.vocab import BASIC

    tags = {"type": "array", "items": {"type": "string"}, "description": "Labels to attach."}
    half = dataclasses.replace(BASIC, single_item_share=0.5)
    sizes = [len(sample_value("tags", tags, random.Random(i), vocab=half)) for i in range(400)]
    assert 150 < sizes.count(1) < 250 and set(sizes) <= {1, 2, 3}
    assert 1 not in {len(sample_value("tags", tags, random.Random(i), vocab=BASIC)) for i in range(100)}
    _assert_share_is_inert_at_zero_and_checked("single_item_share", on=0.25, bad=2.0)


def test_a_rate_described_as_a_decimal_is_said_as_a_percentage() -> None:
    from toolmind.synth.phrases import with_unit

    schema = {"type": "number", "description": "Annual interest rate as a decimal, e.g. 0.042 for 4.2%."}
    rng = random.Random(0)
    rate = sample_value("interest_rate", schema, rng)
    assert isinstance(rate, float) and 0 < rate < 1
    assert with_unit("interest_rate", 0.042, {}, rng, 1.0, schema) == "4.2%"
    percent = {"type": "number", "description": "Rate in percent, e.g. 5.5."}
    assert (
        with_unit("rate_percent", 5.5, {}, rng, 1.0, percent) == "5.5%"
    )  # the number itself is the percentage


def test_decimal_rates_are_always_percentages_and_units_are_not_said_twice() -> None:
    from toolmind.schema import Chain
    from toolmind.synth.plan import build_plan

    loan = _all_required(
        "compute_interest",
        "Compute the interest on a loan.",
        {
            "interest_rate": {"type": "number", "description": "Annual rate as a decimal, e.g. 0.05."},
            "term_years": {"type": "integer", "description": "Loan term in years."},
        },
    )
    cfg = _one_call_config()
    s = cfg.situations
    # unit_share 0.01: the rate is a percentage anyway; parallel 1.0: same-tool requests say it too
    for parallel, unit in ((0.0, 0.01), (1.0, 0.01), (0.0, 1.0)):
        s.parallel_share, s.unit_share = parallel, unit
        for i in range(12):
            plan = build_plan(
                Chain(id=f"c{i}", tools=["compute_interest"]), {"compute_interest": loan}, [loan], cfg
            )
            request = plan.lines[0].text
            for call in next(a for a in plan.acts if a.kind == "call").calls:
                rate, years = call.stated["interest_rate"], call.stated["term_years"]
                assert f"{rate * 100:.4g}%" in request and f" {rate}" not in request, request
                assert f"years {years} years" not in request, request


def test_config_hash_follows_the_chains_file_content_not_its_path(tmp_path: Path) -> None:
    from toolmind.synth.config import SynthConfig

    one, two = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    one.write_text('{"id": "c1", "tools": ["f"]}\n')
    two.write_text(one.read_text())
    a, b = SynthConfig(), SynthConfig()
    a.chains, b.chains = str(one), str(two)
    assert a.content_hash() == b.content_hash()  # the same chains at another path: the same run
    before = a.content_hash()
    one.write_text('{"id": "c2", "tools": ["g"]}\n')
    assert a.content_hash() != before  # rewritten in place: not the same run


# The basic vocabulary must keep drawing what it drew before `wide` existed (seeded runs and their stage
# keys stay valid): these are the values of the code before the change, seed 7.
BASIC_BEFORE = [
    "Madrid",
    "Orbit Team",
    "tax return",
    "Reminder about the quarterly report",
    168,
    410.82,
    ["lotus-84", "harbor-74"],
    "grace.martin@example.com",
    "O-21265",
    "pine-63",
    {"lat": -50.92, "label": "summit-80"},
]
VALUE_CASES: list[tuple[str, dict[str, Any]]] = [
    ("city", {"type": "string"}),
    ("team_name", {"type": "string"}),
    ("query", {"type": "string"}),
    ("message", {"type": "string"}),
    ("amount", {"type": "integer"}),
    ("x", {"type": "number"}),
    ("tags", {"type": "array", "items": {"type": "string"}}),
    ("email", {"type": "string"}),
    ("order_id", {"type": "string"}),
    ("misc", {"type": "string"}),
    ("pt", {"type": "object", "properties": {"lat": {"type": "number"}, "label": {"type": "string"}}}),
]


def test_basic_vocabulary_draws_what_it_drew_before() -> None:
    rng = random.Random(7)
    assert [sample_value(name, schema, rng) for name, schema in VALUE_CASES] == BASIC_BEFORE


def test_wide_vocabulary_gives_values_a_model_must_copy() -> None:
    """`wide`: hundreds of distinct names where `basic` repeats twenty, numbers of several magnitudes,
    longer lists; every value still of the schema's type and said in Latin script."""
    from toolmind.synth.vocab import vocabulary

    wide, basic = vocabulary("wide"), vocabulary("basic")
    for name in ("city", "team_name", "query", "full_name"):
        drawn_wide = {
            sample_value(name, {"type": "string"}, random.Random(i), vocab=wide) for i in range(300)
        }
        drawn_basic = {
            sample_value(name, {"type": "string"}, random.Random(i), vocab=basic) for i in range(300)
        }
        assert len(drawn_wide) >= 200 and len(drawn_wide) > 1.5 * len(drawn_basic), (name, len(drawn_basic))
        assert all(isinstance(v, str) and v.isprintable() and "\n" not in v for v in drawn_wide)
    amounts = [sample_value("amount", {"type": "integer"}, random.Random(i), vocab=wide) for i in range(300)]
    assert all(isinstance(a, int) for a in amounts) and min(amounts) < 20 and max(amounts) > 10_000
    bounded = [
        sample_value("guests", {"type": "integer", "minimum": 1, "maximum": 8}, random.Random(i), vocab=wide)
        for i in range(100)
    ]
    assert all(1 <= g <= 8 for g in bounded)  # the schema's bounds still rule
    lists = [
        sample_value("scores", {"type": "array", "items": {"type": "integer"}}, random.Random(i), vocab=wide)
        for i in range(100)
    ]
    assert {len(x) for x in lists} >= {2, 5} and max(len(x) for x in lists) <= 5
    assert wide.cities[: len(basic.cities)] != basic.cities and set(basic.cities) <= set(wide.cities)


def test_floats_are_said_with_every_digit_the_call_carries() -> None:
    assert say(2164.973) == "2164.973"  # "{:g}" said "2164.97" and the call could not be copied from it
    assert say(45216.645) == "45216.645" and say(0.00001) == "0.00001" and say(9.81) == "9.81"


def test_value_vocabulary_is_checked_and_basic_keeps_old_config_hashes() -> None:
    from toolmind.synth.config import SynthConfig, validate_config

    cfg = SynthConfig()
    before = cfg.content_hash()
    cfg.situations.value_vocabulary = "basic"
    assert cfg.content_hash() == before
    cfg.situations.value_vocabulary = "wide"
    assert cfg.content_hash() != before
    cfg.situations.value_vocabulary = "huge"
    with pytest.raises(ValueError, match=r"my\.yaml: situations\.value_vocabulary"):
        validate_config(cfg, "my.yaml")


FORECAST = ToolSpec(
    function=FunctionSpec(
        name="get_weather_forecast",
        description="Get the weather forecast and the pollen count for a city.",
        parameters={
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city"],
        },
    ),
    returns={
        "type": "object",
        "properties": {
            "forecast_id": {"type": "string"},
            "forecast": {"type": "string"},
            "pollen_count": {"type": "integer"},
            "currency": {"type": "string"},
        },
    },
)
AUTHOR = ToolSpec(
    function=FunctionSpec(
        name="find_book_author",
        description="Find who wrote a book.",
        parameters={"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]},
    ),
    returns={"type": "object", "properties": {"book_id": {"type": "string"}, "author": {"type": "string"}}},
)


def test_result_question_asks_for_what_an_answering_tool_returns() -> None:
    from toolmind.synth.phrases import result_fields, result_question

    asked = [result_question(FORECAST, "in Houston", [("days", "3")], random.Random(i)) for i in range(60)]
    assert all(q is not None and q.endswith(("?", ".")) for q in asked)
    texts = [q for q in asked if q]
    assert all("in Houston for the days 3" in q for q in texts)
    assert all(("forecast" in q or "pollen count" in q) and "forecast id" not in q for q in texts)
    assert not any("currency" in q for q in texts)  # bookkeeping fields are never asked about
    assert {q.split()[0] for q in texts} >= {"What", "Tell", "Do", "Can", "I'd"}
    assert any(" and " in q.split(" in Houston")[0] for q in texts)  # sometimes two fields at once
    assert {result_question(AUTHOR, "", [("title", "Emma")], random.Random(i)) for i in range(20)} == {
        "Who is the author for the title Emma?",
        "Who was the author for the title Emma?",
    }
    assert result_question(BOOK, "", [], random.Random(0)) is None  # books a table: an action, not a question
    # A field another offered tool also returns would make the question ambiguous: not asked.
    assert result_question(FORECAST, "", [], random.Random(0), result_fields([FORECAST])) is None
    assert result_fields([AUTHOR]) == {"book id", "author"}


def test_question_share_asks_answering_tools_by_question_and_keeps_old_draws() -> None:
    from toolmind.schema import Chain
    from toolmind.synth.config import SynthConfig, validate_config
    from toolmind.synth.plan import Line, build_plan

    def first_lines(share: float | None) -> list[str]:
        cfg = SynthConfig()
        cfg.situations.no_tool_share = cfg.situations.missing_arg_share = cfg.situations.parallel_share = 0.0
        if share is not None:
            cfg.situations.question_share = share
        out = []
        for seed in range(20):
            cfg.seed = seed
            plan = build_plan(
                Chain(id="c", tools=["get_weather_forecast"]), {FORECAST.name: FORECAST}, [FORECAST], cfg
            )
            out.append(next(i.text for i in plan.items if isinstance(i, Line)))
        return out

    before = first_lines(None)
    assert first_lines(0.0) == before  # share 0 draws nothing: recipes without questions are unchanged
    asked = first_lines(1.0)
    assert all(q.startswith(("What", "Tell", "Do", "Can", "I'd")) for q in asked) and asked != before
    cfg = SynthConfig()
    plain = cfg.content_hash()
    cfg.situations.question_share = 0.0
    assert cfg.content_hash() == plain
    cfg.situations.question_share = 0.5
    assert cfg.content_hash() != plain
    cfg.situations.question_share = 1.5
    with pytest.raises(ValueError, match=r"situations\.question_share must be in \[0, 1\]"):
        validate_config(cfg)


def test_offered_request_share_asks_for_the_offered_tools_too() -> None:
    from toolmind.schema import Chain
    from toolmind.synth.config import SynthConfig
    from toolmind.synth.plan import Act, build_plan

    pool = [FORECAST, AUTHOR, BOOK]
    specs = {t.name: t for t in pool}

    def plans(share: float | None) -> list[Any]:
        cfg = SynthConfig()
        cfg.situations.distractor_share = 1.0
        cfg.situations.related_share = cfg.situations.parallel_share = 0.0
        cfg.errors.turn_error_share = 0.0
        if share is not None:
            cfg.situations.offered_request_share = share
        out = []
        for seed in range(10):
            cfg.seed = seed
            out.append(build_plan(Chain(id="c", tools=["find_book_author"]), specs, pool, cfg))
        return out

    def called(plan: Any) -> set[str]:
        return {c.tool for i in plan.items if isinstance(i, Act) and i.kind == "call" for c in i.calls}

    before = plans(None)
    assert [p.items for p in plans(0.0)] == [p.items for p in before]
    assert all(called(p) == {"find_book_author"} for p in before)
    for plan in plans(1.0):
        # every tool offered beside the chain is asked for once, with its own values
        assert called(plan) == {t.name for t in plan.tools}
        assert len(plan.hidden_details) == len(plan.tools)


def test_mine_speaks_as_the_user_subject_and_object_alike() -> None:
    assert mine("List the chat channels the user belongs to") == "List the chat channels I belong to"
    assert mine("List the calendars the user can access") == "List the calendars I can access"
    assert mine("Remind the user to take a medication") == "Remind me to take a medication"
    assert mine("Enroll the user in a course") == "Enroll me in a course"
    assert mine("cancel the user's order") == "cancel my order"


def test_parameters_are_named_in_one_clause_with_their_unit() -> None:
    from toolmind.synth.phrases import param_phrase

    described = {"description": "Number of units. Defaults to 1."}  # two clauses: never the name
    assert {param_phrase("quantity", described, random.Random(i)) for i in range(30)} == {"quantity"}
    assert param_phrase("weight_kg", {}, random.Random(0)) == "weight in kg"
    assert param_phrase("check_in_date", {}, random.Random(0)) == "check in date"
    number = {"type": "number"}
    assert param_phrase("voltage_v", number, random.Random(0)) == "voltage in V"
    assert param_phrase("velocity_mps", number, random.Random(0)) == "velocity in m/s"
    assert param_phrase("temperature_c", number, random.Random(0)) == "temperature in °C"
    # A single letter ends a string's name for other reasons.
    assert param_phrase("vitamin_c", {"type": "string"}, random.Random(0)) == "vitamin c"
    # The value says the unit already: "a mass of 5 kg", not "a mass in kg of 5 kg".
    assert param_phrase("mass_kg", number, random.Random(0), unit_said=True) == "mass"
    assert param_phrase("area_sqm", number, random.Random(0), unit_said=True) == "area"


def test_result_fields_are_named_without_their_unit() -> None:
    from toolmind.synth.phrases import field_phrase

    assert field_phrase("energy_j", {"type": "number"}) == "energy"
    assert field_phrase("pressure_kpa", {"type": "number"}) == "pressure"
    assert field_phrase("order_id", {"type": "string"}) == "order id"


def test_described_values_draw_the_kind_a_name_says_instead_of_made_up_codes() -> None:
    import dataclasses

    from toolmind.synth.config import validate_config
    from toolmind.synth.values import _VISITS
    from toolmind.synth.vocab import KINDS

    on = dataclasses.replace(BASIC, described=True)

    def draws(name: str, description: str, vocab: Any = on) -> list[str]:
        schema = {"type": "string", "description": description}
        return [sample_value(name, schema, random.Random(i), vocab=vocab) for i in range(20)]

    assert set(draws("cuisine", "Cuisine, e.g. 'italian'.")) <= set(KINDS["cuisine"])
    assert set(draws("reason_for_visit", "Free-text note.")) <= set(_VISITS)  # not a cancellation
    # "time zone" is no time of day; an e-mail provider is no insurer.
    assert set(draws("time_zone", "IANA time zone name.")) <= set(KINDS["timezone"])
    assert not set(draws("email_provider", "Mail provider.")) & set(KINDS["provider"])
    assert all(re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", v) for v in draws("month", "Month in YYYY-MM format."))
    assert all(re.fullmatch(r"\d\d:[0-5]\d", v) for v in draws("departure_after", "Local time, HH:MM."))
    ips = draws("ip_address", "IPv4 address, e.g. '203.0.113.42'.")
    assert all(all(0 < int(part) < 255 for part in ip.split(".")) for ip in ips)
    # A code or an expression keeps the shape of the description's example, its digits redrawn.
    expressions = draws("expression", "Arithmetic expression, e.g. '(12.5 + 7) * 3 / 2'.")
    assert all(re.fullmatch(r"\(\d\d\.\d \+ \d\) \* \d / \d", e) for e in expressions)
    assert len(set(expressions)) > 10
    # Dates, addresses and tickers keep their own rules, examples or not.
    assert all(re.fullmatch(r"2025-\d\d-\d\d", v) for v in draws("due_date", "Date, e.g. '2025-06-01'."))
    assert all(re.fullmatch(r"[A-Z]+", v) for v in draws("ticker", "Ticker symbol, e.g. 'AAPL'."))
    # A list's own examples come before a kind.
    assert set(draws("label", "Labels, e.g. ['bug', 'p1'].")) <= {"bug", "p1"}
    # Off (the default): the made-up codes of before, and finished runs keep their config hashes.
    assert all(re.fullmatch(r"[a-z]+-\d\d", v) for v in draws("cuisine", "Cuisine, e.g. 'italian'.", BASIC))
    cfg = SynthConfig()
    before = cfg.content_hash()
    cfg.situations.described_values = True
    assert cfg.content_hash() != before
    cfg.situations.described_values = 1  # type: ignore[assignment]
    with pytest.raises(ValueError, match=r"my\.yaml: situations\.described_values must be true or false"):
        validate_config(cfg, "my.yaml")


def test_qualifying_values_go_before_the_thing_they_qualify() -> None:
    from toolmind.synth.natural import enum_phrase, qualified_task

    string = {"type": "string"}
    assert qualified_task(
        "cuisine", "thai", string, "search restaurants in a city", ["search", "restaurants"]
    ) == ("search thai restaurants in a city")
    ride = {"type": "string", "enum": ["standard", "economy"]}
    assert qualified_task("ride_type", "economy", ride, "request a ride", ["request", "ride"]) == (
        "request an economy ride"
    )
    # The task names the choices already, the value qualifies nothing, or no thing is named: None.
    side = {"type": "string", "enum": ["buy", "sell"]}
    assert qualified_task("order_type", "buy", side, "place a buy or sell order", ["place", "order"]) is None
    assert qualified_task("power_state", "off", string, "set a device", ["set", "device"]) is None
    assert qualified_task("cuisine", "thai", string, "find food nearby", ["search", "restaurants"]) is None
    assert qualified_task("planet_name", "Mars", string, "look up planet data", ["planet"]) is None
    assert qualified_task("city", "Paris", string, "search restaurants", ["restaurants"]) is None
    # Plural and singular: the tool is `search_restaurants`, the task says "a restaurant".
    assert qualified_task("cuisine", "thai", string, "book a restaurant", ["search", "restaurants"]) == (
        "book a thai restaurant"
    )
    assert enum_phrase("units", "metric") == "in metric units"
    assert enum_phrase("priority", "high") == "with high priority"
    assert enum_phrase("export_format", "pdf") == "in pdf format"
    assert enum_phrase("cabin_class", "business") == "in business class"
    assert enum_phrase("cabin_class", "premium_economy") is None
    assert enum_phrase("city", "Paris") is None


def test_lists_of_options_are_said_as_a_request_says_them() -> None:
    from toolmind.synth.natural import asked_options, options_phrase

    def options(*items: str) -> dict[str, Any]:
        return {"type": "array", "items": {"type": "string", "enum": list(items)}}

    rng = random.Random(0)
    avoid = options("tolls", "highways", "ferries")
    assert options_phrase("avoid", ["tolls", "ferries"], avoid, rng) == "avoiding tolls and ferries"
    amenities = options("Free WiFi", "Pool", "Swimming Pool", "UV Index")
    said = {
        options_phrase("amenities", ["Free WiFi", "Swimming Pool"], amenities, random.Random(i))
        for i in range(20)
    }
    assert said == {"with free WiFi and swimming pool amenities", "with free WiFi and swimming pool"}
    facts = options("Elevation", "Time Zone", "UV Index")
    assert asked_options("facts", ["Elevation", "Time Zone", "UV Index"], facts) == [
        "elevation",
        "time zone",
        "UV index",
    ]
    # Not a list of the enum's items, or not a list of things returned: None.
    assert options_phrase("avoid", ["tolls", "potholes"], avoid, rng) is None
    assert options_phrase("tags", ["a", "b"], {"type": "array", "items": {"type": "string"}}, rng) is None
    assert asked_options("amenities", ["Pool"], amenities) is None


def test_qualifier_share_says_the_value_in_the_task_or_a_question_and_the_call_keeps_it() -> None:
    from toolmind.schema import Chain
    from toolmind.synth.plan import build_plan

    search = _all_required(
        "search_restaurants",
        "Search restaurants in a city.",
        {
            "cuisine": {"type": "string", "description": "Cuisine, e.g. 'italian'."},
            "units": {"type": "string", "enum": ["metric", "imperial"]},
        },
    )
    cfg = _one_call_config()
    cfg.situations.natural_share = cfg.situations.qualifier_share = 1.0
    cfg.situations.described_values = True
    qualified = 0
    for question in (0.0, 1.0):  # a question leaves the task out: the value is said by name there
        cfg.situations.question_share = question
        for i in range(8):
            plan = build_plan(
                Chain(id=f"c{i}", tools=["search_restaurants"]), {"search_restaurants": search}, [search], cfg
            )
            request = plan.lines[0].text
            stated = next(a for a in plan.acts if a.kind == "call").calls[0].stated
            assert stated["cuisine"] in request and f"in {stated['units']} units" in request, request
            qualified += f"{stated['cuisine']} restaurants" in request
    assert qualified >= 8
    _assert_share_is_inert_at_zero_and_checked("qualifier_share", on=0.5, bad=-0.1)


def test_a_list_of_things_to_return_is_asked_for_in_the_question() -> None:
    from toolmind.schema import Chain
    from toolmind.synth.plan import build_plan

    lookup = _all_required(
        "lookup_mountain_facts",
        "Look up a mountain's elevation, range and first recorded ascent.",
        {
            "mountain_name": {"type": "string", "description": "Name of a mountain."},
            "facts": {
                "type": "array",
                "items": {"type": "string", "enum": ["Elevation", "Prominence", "First Ascent"]},
            },
        },
    )
    cfg = _one_call_config()
    cfg.situations.natural_share = cfg.situations.qualifier_share = cfg.situations.question_share = 1.0
    asked = 0
    for i in range(8):
        plan = build_plan(Chain(id=f"c{i}", tools=[lookup.name]), {lookup.name: lookup}, [lookup], cfg)
        request = plan.lines[0].text
        facts = next(a for a in plan.acts if a.kind == "call").calls[0].stated["facts"]
        said = [f.lower() for f in facts]
        assert all(f in request for f in said), (facts, request)
        asked += request.startswith(("What", "Tell me", "Can you tell me", "I'd like to know"))
    assert asked == 8


def test_flags_turned_on_are_said_by_what_they_turn_on() -> None:
    from toolmind.synth.natural import flag_phrase

    rng = random.Random(0)
    assert flag_phrase("avoid_tolls", True, rng) in ("avoiding tolls", "with tolls avoided")
    assert flag_phrase("allowTransfers", True, rng) in ("allowing transfers", "with transfers allowed")
    assert flag_phrase("open_now", True, rng) == "that are open now"
    assert flag_phrase("equal_variance", True, rng) == "with equal variance"
    assert flag_phrase("detailed", True, rng) in ("in detail", "with full details")
    assert flag_phrase("is_private", True, rng) == "and make it private"
    # Off, a verb, or said by `fragment` already ("including the ...", "(... only)"): None.
    assert flag_phrase("avoid_tolls", False, rng) is None
    assert flag_phrase("reply_all", True, rng) is None
    assert flag_phrase("include_reviews", True, rng) is None
    assert flag_phrase("remote_only", True, rng) is None


def test_flag_share_turns_stated_flags_on_says_them_by_what_they_do_and_draws_the_rest_as_before() -> None:
    from toolmind.schema import Chain
    from toolmind.synth.plan import build_plan

    props = {
        "city": {"type": "string", "description": "City name."},
        "avoid_tolls": {"type": "boolean", "description": "Avoid toll roads."},
        "open_now": {"type": "boolean", "description": "Only places open now."},
        "include_archived": {"type": "boolean", "description": "Also list archived ones."},
        "reply_all": {"type": "boolean", "description": "Reply to everyone."},
    }
    route = ToolSpec(
        function=FunctionSpec(
            name="plan_route",
            description="Plan a route through a city.",
            parameters={"type": "object", "properties": props, "required": ["city"]},
        )
    )
    cfg = _one_call_config()
    cfg.situations.optional_arg_prob = 1.0
    plans = {}
    for share in (0.0, 1.0):
        cfg.situations.flag_share = share
        plans[share] = [
            build_plan(Chain(id=f"c{i}", tools=[route.name]), {route.name: route}, [route], cfg)
            for i in range(8)
        ]
    for before, after in zip(plans[0.0], plans[1.0], strict=True):
        call = next(a for a in after.acts if a.kind == "call").calls[0]
        old = next(a for a in before.acts if a.kind == "call").calls[0]
        request = after.lines[0].text
        # Every stated flag on; those a phrase fits said by what they do, never "true"; the one no phrase
        # fits (a verb) still said by name.
        assert all(
            call.stated[f] is True for f in ("avoid_tolls", "open_now", "include_archived", "reply_all")
        )
        assert "that are open now" in request and "archived" in request, request
        assert "tolls" in request and "the avoid tolls" not in request, request
        assert request.count("true") == 1, request
        # The flags' own stream: the other values and the rest of the plan are drawn as without it.
        assert call.stated["city"] == old.stated["city"] and call.tool == old.tool
        assert [a.kind for a in after.acts] == [a.kind for a in before.acts]
    off = [next(a for a in p.acts if a.kind == "call").calls[0].stated["open_now"] for p in plans[0.0]]
    assert False in off  # at 0 flags are drawn both ways, as before
    _assert_share_is_inert_at_zero_and_checked("flag_share", on=0.9, bad=1.1)


def test_of_questions_say_the_thing_asked_about_after_of_and_keep_old_draws() -> None:
    from toolmind.schema import Chain
    from toolmind.synth.phrases import result_question
    from toolmind.synth.plan import build_plan

    asked = {
        result_question(AUTHOR, "", [("title", "Emma")], random.Random(i), of_share=1.0) for i in range(20)
    }
    assert asked == {"Who is the author of Emma?", "Who was the author of Emma?"}
    # The other values are still named; a date or a bare lower-case option is never the thing asked about.
    pairs = [("start date", "2025-10-07"), ("status", "pending"), ("city", "Lisbon"), ("days", "3")]
    for i in range(20):
        q = result_question(FORECAST, "", pairs, random.Random(i), of_share=1.0)
        assert q is not None and " of Lisbon with the start date 2025-10-07, the status pending" in q, q
        assert q.endswith("and the days 3?") or q.endswith("and the days 3."), q
    assert result_question(FORECAST, "", pairs[:2], random.Random(0), of_share=1.0) == result_question(
        FORECAST, "", pairs[:2], random.Random(0)
    )
    # Share 0 draws nothing: the plans of recipes without it are unchanged.
    cfg = _one_call_config()
    cfg.situations.question_share = 1.0
    lines = {}
    for share in (0.0, 1.0):
        cfg.situations.of_question_share = share
        plans = [
            build_plan(Chain(id=f"c{i}", tools=[AUTHOR.name]), {AUTHOR.name: AUTHOR}, [AUTHOR], cfg)
            for i in range(6)
        ]
        lines[share] = [p.lines[0].text for p in plans]
        for p in plans:
            title = next(a for a in p.acts if a.kind == "call").calls[0].stated["title"]
            assert title in p.lines[0].text
    assert all(" of " in q and "for the title" not in q for q in lines[1.0]), lines[1.0]
    cfg.situations.of_question_share = 0.0
    plain = [
        build_plan(Chain(id=f"c{i}", tools=[AUTHOR.name]), {AUTHOR.name: AUTHOR}, [AUTHOR], cfg)
        for i in range(6)
    ]
    assert [p.lines[0].text for p in plain] == lines[0.0]
    _assert_share_is_inert_at_zero_and_checked("of_question_share", on=0.5, bad=1.5)


def test_rates_described_plainly_are_decimals_said_as_percentages() -> None:
    from toolmind.synth.phrases import with_unit
    from toolmind.synth.values import is_decimal_rate

    plain = {"type": "number", "description": "The annual interest rate."}
    assert is_decimal_rate("interest_rate", plain) and is_decimal_rate("annual_yield", plain)
    assert is_decimal_rate("rate_of_return", {"type": "float", "description": "The annual rate of return."})
    assert is_decimal_rate("discount_rate", {"type": "number", "description": "As a decimal, e.g. 0.05."})
    # A percentage, a price per hour, a pulse, an exchange rate, a whole number: not a share of anything.
    assert not is_decimal_rate(
        "annual_rate", {"type": "number", "description": "Interest rate in percentage."}
    )
    assert not is_decimal_rate("max_hourly_rate", {"type": "number", "description": "Price in major units."})
    assert not is_decimal_rate("heart_rate", plain) and not is_decimal_rate("exchange_rate", plain)
    assert not is_decimal_rate("rate", {"type": "integer", "description": "The rate."})
    assert not is_decimal_rate("return_date", {"type": "string"})
    rng = random.Random(3)
    values = [sample_value("annual_growth_rate", plain, rng) for _ in range(30)]
    assert all(0 < v < 1 for v in values)
    assert with_unit("annual_growth_rate", 0.06, {}, rng, 1.0, plain) == "6%"
    percent = {"type": "number", "description": "Interest rate in percentage."}
    assert all(v > 0.5 for v in (sample_value("annual_rate", percent, rng) for _ in range(30)))
    # A respelling keeps a decimal rate's name a rate: "interest_percentage" would say 5, not 0.05.
    from toolmind.synth.rename import variant

    assert not any("percent" in variant("interest_rate", random.Random(i)).lower() for i in range(200))


def test_quantities_without_a_unit_are_said_with_one_and_the_call_keeps_the_number() -> None:
    from toolmind.schema import Chain
    from toolmind.synth.phrases import with_unit
    from toolmind.synth.plan import build_plan

    base = {"type": "number", "description": "The base of the triangle."}
    said = {with_unit("base", 6, {}, random.Random(i), 0.7, base, quantity_share=1.0) for i in range(40)}
    assert said >= {"6cm", "6 cm", "6 ft"} and all(re.fullmatch(r"6 ?\S+", s or "") for s in said), said
    assert {
        with_unit("charge1", 5, {}, random.Random(i), 0.7, {"type": "integer"}, quantity_share=1.0)
        for i in range(20)
    } == {"5C", "5 C"}
    # A count, a description that settles the unit, a string or a name without a quantity: no unit.
    for name, schema in (
        ("length", {"type": "integer", "description": "Number of characters."}),
        ("height", {"type": "number", "description": "Height in the unit of the base."}),
        ("weight", {"type": "string"}),
        ("guests", {"type": "integer"}),
    ):
        assert with_unit(name, 8, {}, random.Random(0), 0.7, schema, quantity_share=1.0) is None, name
    # A unit the name or description states keeps its own rule ("5 years"), share or not.
    years = {"type": "integer", "description": "Loan term in years."}
    assert with_unit("term", 5, {}, random.Random(0), 1.0, years, quantity_share=1.0) == "5 years"
    triangle = _all_required(
        "calculate_triangle_area",
        "Calculate the area of a triangle.",
        {
            "base": {"type": "number", "description": "The base."},
            "height": {"type": "number", "description": "The height."},
        },
    )
    cfg = _one_call_config()
    cfg.situations.unit_share = 0.7
    cfg.situations.quantity_unit_share = 1.0
    for i in range(8):
        plan = build_plan(
            Chain(id=f"c{i}", tools=[triangle.name]), {triangle.name: triangle}, [triangle], cfg
        )
        request = plan.lines[0].text
        stated = next(a for a in plan.acts if a.kind == "call").calls[0].stated
        for value in stated.values():
            assert re.search(rf"{re.escape(say(value))} ?(cm|m|mm|ft|km|inches)\b", request), request
    _assert_share_is_inert_at_zero_and_checked("quantity_unit_share", on=0.5, bad=-0.5)


def test_dates_are_said_as_people_write_them_and_the_call_keeps_the_iso_date() -> None:
    from toolmind.filter.dates import absolute_dates
    from toolmind.schema import Chain
    from toolmind.synth.phrases import say_date
    from toolmind.synth.plan import build_plan

    said = {say_date("2022-03-11", random.Random(i)) for i in range(200)}
    assert said == {
        "March 11, 2022",
        "March 11th, 2022",
        "11 March 2022",
        "11th March 2022",
        "the 11th of March 2022",
        "Mar 11, 2022",
        "2022/03/11",
    }
    # Every form reads back as the same date (what the invented-date check grounds a call's date on).
    assert all(absolute_dates(s) == {"2022-03-11"} for s in said)
    assert {say_date("2023-06-01", random.Random(i)) for i in range(60)} >= {
        "June 1st, 2023",
        "1st June 2023",
    }
    assert "the 22nd of May 2025" in {say_date("2025-05-22", random.Random(i)) for i in range(60)}
    price = _all_required(
        "get_stock_price",
        "Get the closing price of a stock on a date.",
        {
            "ticker": {"type": "string", "description": "Ticker symbol."},
            "date": {"type": "string", "description": "Date in YYYY-MM-DD format."},
        },
    )
    cfg = _one_call_config()
    cfg.situations.natural_date_share = 1.0
    for natural in (0.0, 1.0):
        cfg.situations.natural_share = natural
        for i in range(6):
            plan = build_plan(Chain(id=f"c{i}", tools=[price.name]), {price.name: price}, [price], cfg)
            request = plan.lines[0].text
            date = next(a for a in plan.acts if a.kind == "call").calls[0].stated["date"]
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) and date not in request, request
            assert absolute_dates(request) == {date}, request
    _assert_share_is_inert_at_zero_and_checked("natural_date_share", on=0.5, bad=2.0)


def _assert_added_later_share(name: str) -> None:
    """A share added after recipes had runs: 0 keeps old hashes, another value changes the hash, and a
    value outside [0, 1] is rejected by name."""
    from toolmind.synth.config import SynthConfig, validate_config

    cfg = SynthConfig()
    plain = cfg.content_hash()
    setattr(cfg.situations, name, 0.0)
    assert cfg.content_hash() == plain  # added later: old recipes keep their hash
    setattr(cfg.situations, name, 0.5)
    assert cfg.content_hash() != plain
    setattr(cfg.situations, name, 1.5)
    with pytest.raises(ValueError, match=rf"situations\.{name} must be in \[0, 1\]"):
        validate_config(cfg)


def _book_table_plans(seeds: int, offered: ToolSpec = BOOK, **situations: float) -> list[Any]:
    """build_plan of a one-tool chain (book_table, or `offered`; the pool is BOOK and FORECAST) per seed,
    with these situations."""
    from toolmind.schema import Chain
    from toolmind.synth.config import SynthConfig
    from toolmind.synth.plan import build_plan

    cfg = SynthConfig()
    for name, value in situations.items():
        setattr(cfg.situations, name, value)
    out = []
    for seed in range(seeds):
        cfg.seed = seed
        chain = Chain(id="c", tools=[offered.name])
        out.append(build_plan(chain, {offered.name: offered}, [BOOK, FORECAST], cfg))
    return out


def test_instruction_share_says_no_tool_questions_as_instructions_and_keeps_every_other_draw() -> None:
    from toolmind.synth import offtopic
    from toolmind.synth.plan import Act, Line

    assert set(offtopic.FACT_INSTRUCTIONS) == {q for q, _ in offtopic.FACTS}

    def plans(share: float | None) -> list[Any]:
        shares = {} if share is None else {"instruction_share": share}
        situations = {"no_tool_share": 1.0, "direct_answer_share": 0.5, "topic_question_share": 1.0}
        return _book_table_plans(30, **situations, **shares)

    def asked(plan: Any) -> list[str]:
        """The no-tool requests: the user lines answered without a call."""
        items = plan.items
        return [
            a.text
            for a, b in itertools.pairwise(items)
            if isinstance(a, Line) and isinstance(b, Act) and b.kind in ("answer", "decline")
        ]

    before = plans(None)
    assert [p.items for p in plans(0.0)] == [p.items for p in before]  # 0 draws nothing
    after = plans(1.0)
    questions, instructions = [q for p in before for q in asked(p)], [q for p in after for q in asked(p)]
    assert len(questions) == len(instructions) > 10
    assert all(q.endswith(".") and not q.endswith("?") for q in instructions)
    assert sum(q.endswith("?") for q in questions) > len(questions) / 2
    # Only those requests change: every call, answer and other line is the same, draw for draw.
    for one, two in zip(before, after, strict=True):
        strip = lambda p: [i for i in p.items if not (isinstance(i, Line) and i.text in asked(p))]  # noqa: E731
        assert strip(one) == strip(two)
    half = [q for p in plans(0.5) for q in asked(p)]
    assert 0.2 < sum(q.endswith(".") for q in half) / len(half) < 0.8
    _assert_added_later_share("instruction_share")


def test_decline_instruction_share_says_declined_questions_as_instructions_and_keeps_every_other_draw() -> (
    None
):
    from toolmind.eval.bfcl.request_form import request_form
    from toolmind.synth.plan import Act, Line

    def plans(share: float | None) -> list[Any]:
        shares = {} if share is None else {"decline_instruction_share": share}
        situations = {"no_tool_share": 1.0, "direct_answer_share": 0.0, "topic_question_share": 0.0}
        return _book_table_plans(100, question_share=1.0, **situations, **shares)

    def declined(plan: Any) -> list[str]:
        return [
            a.text
            for a, b in itertools.pairwise(plan.items)
            if isinstance(a, Line) and isinstance(b, Act) and b.kind == "decline"
        ]

    before = plans(None)
    assert [p.items for p in plans(0.0)] == [p.items for p in before]  # 0 draws nothing
    after = plans(1.0)
    questions, instructions = (
        [q for p in before for q in declined(p)],
        [q for p in after for q in declined(p)],
    )
    assert len(questions) == len(instructions) > 10
    # Asked about the result, half are questions ("What's the forecast ...?"; others say "Tell me ...",
    # "I'd like to know ..."); said as instructions, all are.
    n_questions = sum(request_form(q) == "question" for q in questions)
    assert n_questions > 0.4 * len(questions)
    assert all(request_form(q) == "instruction" for q in instructions)
    # Only the declined requests change: every call, answer and other line is the same, draw for draw.
    for one, two in zip(before, after, strict=True):
        strip = lambda p: [i for i in p.items if not (isinstance(i, Line) and i.text in declined(p))]  # noqa: E731
        assert strip(one) == strip(two)
    half = [q for p in plans(0.5) for q in declined(p)]
    assert 0 < sum(request_form(q) == "question" for q in half) < n_questions
    # A declined action (book_table beside the forecast tool) has no question form: nothing changes.
    actions = {"no_tool_share": 1.0, "direct_answer_share": 0.0, "topic_question_share": 0.0}
    before = _book_table_plans(30, FORECAST, question_share=1.0, **actions)
    after = _book_table_plans(30, FORECAST, question_share=1.0, decline_instruction_share=1.0, **actions)
    assert sum(len(declined(p)) for p in before) > 10
    assert [p.items for p in after] == [p.items for p in before]
    _assert_added_later_share("decline_instruction_share")
