"""Units of the synthesis engine: call validation, scripted tool results, values, phrasing."""

from __future__ import annotations

import json
import random

import pytest

from toolmind.schema import FunctionSpec, Message, ToolCall, ToolSpec
from toolmind.synth.agents import extract_json
from toolmind.synth.phrases import task_phrase
from toolmind.synth.toolsim import find_field, simulate
from toolmind.synth.validate import validate_call
from toolmind.synth.values import coerce, sample_value, say

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
    assert with_unit("bag_weight_kg", 28.5, {}, rng, 1.0) == "28.5 kg"
    assert with_unit("price", 120, {}, rng, 1.0) == "$120"
    assert with_unit("price", 120, {"currency": "EUR"}, rng, 1.0) is None  # "$" would contradict EUR
    assert with_unit("guests", 4, {}, rng, 1.0) is None
    assert with_unit("duration_years", "5", {}, rng, 1.0) is None
    assert with_unit("duration_years", 5, {}, rng, 0.0) is None


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
