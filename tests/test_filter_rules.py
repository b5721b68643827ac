"""Planted defects: each is caught by the rule meant for it (and nothing fires on a clean trajectory)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from toolmind.filter.config import FilterConfig
from toolmind.filter.dates import absolute_dates, has_clock, has_relative_expression
from toolmind.filter.rules import normalise_schema, run_rules
from toolmind.schema import Message, ToolCall, ToolSpec, Trajectory

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "search_flights",
            "description": "Search flights.",
            "parameters": {
                "type": "object",
                "properties": {
                    "origin": {"type": "string"},
                    "destination": {"type": "string"},
                    "date": {"type": "string", "description": "YYYY-MM-DD"},
                },
                "required": ["origin", "destination", "date"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "book_flight",
            "description": "Book a flight.",
            "parameters": {
                "type": "object",
                "properties": {"flight_id": {"type": "string"}, "passenger_name": {"type": "string"}},
                "required": ["flight_id", "passenger_name"],
            },
        },
    },
]
GOOD_SEARCH = {"origin": "Boston", "destination": "Denver", "date": "2025-07-14"}


def call(cid: str, name: str, args: dict[str, Any] | str) -> dict[str, Any]:
    return ToolCall.make(cid, name, args).model_dump()


def clean_messages() -> list[dict[str, Any]]:
    return [
        {"role": "system", "content": "You are a travel assistant."},
        {"role": "user", "content": "I need a flight from Boston to Denver."},
        {"role": "assistant", "content": "Sure. On which date do you want to fly?"},
        {"role": "user", "content": "On 2025-07-14."},
        {
            "role": "assistant",
            "content": "",
            "reasoning_content": "I have origin, destination and date: search.",
            "tool_calls": [call("c1", "search_flights", GOOD_SEARCH)],
        },
        {"role": "tool", "tool_call_id": "c1", "content": json.dumps({"flights": [{"flight_id": "UA123"}]})},
        {"role": "assistant", "content": "Flight UA123 is available. Shall I book it, and for whom?"},
        {"role": "user", "content": "Yes, book it for Jane Doe."},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [call("c2", "book_flight", {"flight_id": "UA123", "passenger_name": "Jane Doe"})],
        },
        {"role": "tool", "tool_call_id": "c2", "content": json.dumps({"confirmation": "ABC123"})},
        {"role": "assistant", "content": "Booked: confirmation ABC123."},
        {"role": "user", "content": "Thanks! ###STOP###"},
    ]


def make(messages: list[dict[str, Any]], tid: str = "t", **meta: Any) -> Trajectory:
    hidden = {"origin": "Boston", "destination": "Denver", "date": "2025-07-14", "passenger_name": "Jane Doe"}
    return Trajectory.model_validate(
        {
            "id": tid,
            "tools": TOOLS,
            "messages": messages,
            "meta": {"goal": "Fly Boston to Denver", "hidden_details": hidden, **meta},
        }
    )


def clean_trajectory(tid: str = "clean") -> Trajectory:
    return make(clean_messages(), tid)


def with_bad_search(
    bad_args: dict[str, Any] | str, name: str = "search_flights", error: bool = True
) -> Trajectory:
    """A bad search call at message 4 answered with a tool error; the corrected call follows at 6."""
    msgs = clean_messages()
    content = json.dumps({"error": "invalid call"}) if error else json.dumps({"flights": []})
    bad = [
        {"role": "assistant", "content": "", "tool_calls": [call("c0", name, bad_args)]},
        {"role": "tool", "tool_call_id": "c0", "content": content},
    ]
    return make(msgs[:4] + bad + msgs[4:], f"bad-{name}")


def turn_rules(traj: Trajectory, **cfg: Any) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for f in run_rules(traj, FilterConfig(**cfg)):
        assert f.scope == "turn", f
        assert f.message_index is not None
        out.setdefault(f.message_index, set()).add(f.rule)
    return out


def trajectory_rules(traj: Trajectory, **cfg: Any) -> set[str]:
    return {f.rule for f in run_rules(traj, FilterConfig(**cfg)) if f.scope == "trajectory"}


def test_clean_trajectory_has_no_findings() -> None:
    assert run_rules(clean_trajectory(), FilterConfig()) == []


@pytest.mark.parametrize(
    ("args", "name", "rule"),
    [
        (
            {"origin": "Boston", "destination": "Denver", "date": 20250714},
            "search_flights",
            "invalid_arguments",
        ),
        ({"origin": "Boston", "date": "2025-07-14"}, "search_flights", "invalid_arguments"),
        (GOOD_SEARCH, "find_flights", "unknown_tool"),
        ('{"origin": "Boston", ', "search_flights", "unparseable_arguments"),
    ],
)
def test_bad_call_flags_exactly_that_turn(args: dict[str, Any] | str, name: str, rule: str) -> None:
    traj = with_bad_search(args, name)
    assert turn_rules(traj) == {4: {rule}}


def test_tool_error_flags_the_call_that_caused_it() -> None:
    traj = with_bad_search({"origin": "Boston", "destination": "Atlantis", "date": "2025-07-14"})
    assert turn_rules(traj) == {4: {"tool_error"}}
    assert turn_rules(traj, mask_tool_errors=False) == {}


def test_parse_error_and_empty_turn() -> None:
    msgs = clean_messages()
    msgs[2] = {"role": "assistant", "content": "<tool_call>{oops", "parse_error": "invalid JSON in tool call"}
    msgs.insert(3, {"role": "assistant", "content": ""})
    assert turn_rules(make(msgs)) == {2: {"parse_error"}, 3: {"empty_turn"}}


def test_repeated_successful_call_is_flagged_and_loops_drop() -> None:
    msgs = clean_messages()
    repeat = [
        {"role": "assistant", "content": "", "tool_calls": [call("r1", "search_flights", GOOD_SEARCH)]},
        {"role": "tool", "tool_call_id": "r1", "content": json.dumps({"flights": [{"flight_id": "UA123"}]})},
    ]
    traj = make(msgs[:6] + repeat + msgs[6:])
    assert turn_rules(traj) == {6: {"repeated_call"}}
    loop = msgs[:6]
    for k in range(4):
        loop += copy.deepcopy(repeat)
        loop[-2]["tool_calls"][0]["id"] = loop[-1]["tool_call_id"] = f"r{k}"
    assert "call_loop" in trajectory_rules(make(loop + msgs[6:]))


def test_invented_date_for_relative_request() -> None:
    msgs = clean_messages()
    msgs[3] = {"role": "user", "content": "Tomorrow, please."}
    traj = make(msgs)
    assert turn_rules(traj, check_leakage=False) == {4: {"invented_date"}}
    # With a date in context (a clock in the system prompt) the assistant could compute it: no finding.
    msgs[0] = {"role": "system", "content": "Today is 2025-07-13."}
    assert turn_rules(make(msgs), check_leakage=False) == {}


@pytest.mark.parametrize(
    ("mutate", "rule"),
    [
        (lambda m: m[-1].update(content="Thanks."), "no_stop"),
        (lambda m: m[5].update(tool_call_id="zzz"), "unpaired_result"),
        (lambda m: m.pop(9), "unanswered_call"),
        (lambda m: m[8]["tool_calls"][0].update(id="c1"), "duplicate_call_id"),
    ],
)
def test_trajectory_defects(mutate: Any, rule: str) -> None:
    msgs = clean_messages()
    mutate(msgs)
    assert rule in trajectory_rules(make(msgs))


def test_turn_limits() -> None:
    assert trajectory_rules(clean_trajectory(), max_assistant_turns=3) == {"too_many_turns"}
    assert trajectory_rules(clean_trajectory(), max_messages=5) == {"too_many_messages"}


def test_leaked_hidden_detail() -> None:
    msgs = clean_messages()
    # The assistant books for "Jane Doe" before the user ever said the name.
    msgs[7] = {"role": "user", "content": "Yes, book it."}
    assert trajectory_rules(make(msgs)) == {"hidden_detail_leak"}
    # Values a tool returned first are not leaks.
    msgs[5]["content"] = json.dumps({"flights": [{"flight_id": "UA123", "passenger": "Jane Doe"}]})
    assert trajectory_rules(make(msgs)) == set()


def test_clock_detection() -> None:
    assert has_clock("Today is 2025-07-13.") and has_clock('{"current_date": "2025-07-13"}')
    assert has_clock("As of March 3, 2025 the fare is 120.")
    assert not has_clock("Now search hotels with the check out date 2025-08-20.")
    assert not has_clock("the start date is tomorrow and the end date is 2025-09-21")


def test_date_parsing() -> None:
    assert absolute_dates("on March 3rd, 2024 or 2024-03-04 or 3/5/24") == {
        "2024-03-03",
        "2024-03-04",
        "2024-03-05",
    }
    assert absolute_dates("the 5th of May") == {"????-05-05"}
    assert absolute_dates("the pollen count in Lyon 2021/09/30?") == {"2021-09-30"}
    assert absolute_dates("room 2024 for 3 nights") == set()
    assert has_relative_expression("Can you book it for next Friday?") == "next Friday"
    assert has_relative_expression("Book flight 2025-01-01") is None


def test_python_style_schema_types_are_normalised() -> None:
    schema = {"type": "dict", "properties": {"x": {"type": "float"}, "y": {"type": "any"}}}
    assert normalise_schema(schema) == {"type": "object", "properties": {"x": {"type": "number"}, "y": {}}}
    spec = ToolSpec.model_validate({"function": {"name": "f", "parameters": schema}})
    bad = Message(role="assistant", tool_calls=[ToolCall.make("a", "f", {"x": "nope"})])
    traj = Trajectory(
        id="x",
        tools=[spec],
        messages=[
            Message(role="user", content="go ###STOP###"),
            bad,
            Message(role="tool", tool_call_id="a", content="{}"),
            Message(role="assistant", content="done"),
        ],
    )
    assert {f.rule for f in run_rules(traj, FilterConfig())} == {"invalid_arguments"}


def test_unexpected_argument_and_wrong_existing_tool() -> None:
    # The "wrong tool" mistake: an existing tool called with another tool's arguments.
    traj = with_bad_search(GOOD_SEARCH, "book_flight", error=False)
    assert turn_rules(traj) == {4: {"invalid_arguments"}}
    extra = with_bad_search({**GOOD_SEARCH, "cabin": "economy"}, error=False)
    assert turn_rules(extra) == {4: {"unexpected_argument"}}
    assert turn_rules(extra, allow_extra_arguments=True) == {}


def test_user_giving_up_is_a_trajectory_defect() -> None:
    msgs = clean_messages()
    msgs[-1]["content"] = "Forget it, this is taking too long. ###STOP###"
    assert trajectory_rules(make(msgs)) == {"user_gave_up"}
    assert trajectory_rules(make(msgs), give_up_patterns=[]) == set()


def test_invented_date_with_other_dates_in_context() -> None:
    msgs = clean_messages()
    # A date from an earlier tool result does not ground a different date for "tomorrow".
    msgs[1]["content"] = "My last trip was on 2025-06-01. I need a flight from Boston to Denver."
    msgs[3] = {"role": "user", "content": "Tomorrow, please."}
    assert turn_rules(make(msgs), check_leakage=False) == {4: {"invented_date"}}
    # Once the user states the date (any spelling), the corrected call is grounded.
    msgs[3] = {"role": "user", "content": "Tomorrow, that is July 14, 2025."}
    assert turn_rules(make(msgs), check_leakage=False) == {}


def test_short_hidden_values_leak_only_as_exact_arguments() -> None:
    msgs = clean_messages()
    msgs[4]["tool_calls"] = [call("c1", "search_flights", {**GOOD_SEARCH, "date": "7"})]
    traj = make(msgs)
    traj.meta["hidden_details"] = {"date": "7"}
    assert {f.rule for f in run_rules(traj, FilterConfig()) if f.scope == "trajectory"} == {
        "hidden_detail_leak"
    }
    msgs[3]["content"] = "On day 7."
    traj = make(msgs)
    traj.meta["hidden_details"] = {"date": "7"}
    assert {f.rule for f in run_rules(traj, FilterConfig()) if f.scope == "trajectory"} == set()


def test_a_decimal_the_user_said_as_a_percentage_is_not_a_leak() -> None:
    msgs = clean_messages()
    msgs[4]["tool_calls"] = [call("c1", "search_flights", {**GOOD_SEARCH, "date": "0.042"})]
    traj = make(msgs)
    traj.meta["hidden_details"] = {"date": "0.042"}
    rules = {f.rule for f in run_rules(traj, FilterConfig()) if f.scope == "trajectory"}
    assert rules == {"hidden_detail_leak"}  # nobody said it
    for said, leak in (("At 4.2%, please.", False), ("At 42%, please.", True), ("At 14.2%, please.", True)):
        msgs[3]["content"] = said
        traj = make(msgs)
        traj.meta["hidden_details"] = {"date": "0.042"}
        rules = {f.rule for f in run_rules(traj, FilterConfig()) if f.scope == "trajectory"}
        assert rules == ({"hidden_detail_leak"} if leak else set()), said


def test_a_large_number_the_user_said_in_words_or_with_commas_is_not_a_leak() -> None:
    msgs = clean_messages()
    msgs[4]["tool_calls"] = [call("c1", "search_flights", {**GOOD_SEARCH, "date": "2500000"})]
    cases = (
        ("A budget of 2.5 million.", False),
        ("A budget of $2.5M.", False),
        ("A budget of 2,500,000.", False),
        ("A budget of 2500 thousand.", False),
        ("A budget of 25 million.", True),
        ("A budget of 2.5 thousand.", True),
        ("A budget of 2,500.", True),
    )
    for said, leak in cases:
        msgs[3]["content"] = said
        traj = make(msgs)
        traj.meta["hidden_details"] = {"date": "2500000"}
        rules = {f.rule for f in run_rules(traj, FilterConfig()) if f.scope == "trajectory"}
        assert rules == ({"hidden_detail_leak"} if leak else set()), said


def test_a_date_the_user_wrote_as_people_do_is_not_a_leak() -> None:
    msgs = clean_messages()
    msgs[4]["tool_calls"] = [call("c1", "search_flights", {**GOOD_SEARCH, "date": "2022-03-11"})]
    cases = (
        ("On March 11, 2022.", False),
        ("On the 11th of March 2022.", False),
        ("On Mar 11th, 2022.", False),
        ("On 2022/03/11.", False),
        ("On March 12, 2022.", True),
        ("On March 11, 2023.", True),
        ("On March 11.", True),  # no year: the assistant had to make one up
    )
    for said, leak in cases:
        msgs[3]["content"] = said
        traj = make(msgs)
        traj.meta["hidden_details"] = {"date": "2022-03-11"}
        rules = {f.rule for f in run_rules(traj, FilterConfig()) if f.scope == "trajectory"}
        assert rules == ({"hidden_detail_leak"} if leak else set()), said
