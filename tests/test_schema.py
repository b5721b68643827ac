"""Data model: validation, JSONL round trips, one clear error per bad record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from toolmind.schema import (
    Chain,
    JsonlAppender,
    JsonlError,
    Message,
    ToolCall,
    ToolSpec,
    Trajectory,
    TurnLabel,
    read_jsonl,
    repair_tail,
    write_jsonl,
)

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["C", "F"]}},
            "required": ["city"],
        },
    },
    "returns": {"type": "object", "properties": {"temperature": {"type": "number"}}},
}


def _trajectory(i: int = 0) -> Trajectory:
    return Trajectory(
        id=f"t{i}",
        tools=[ToolSpec.model_validate(WEATHER)],
        messages=[
            Message(role="user", content="Weather in Paris?"),
            Message(
                role="assistant",
                reasoning_content="The user wants the weather; call get_weather.",
                tool_calls=[ToolCall.make("call_0", "get_weather", {"city": "Paris"})],
            ),
            Message(role="tool", tool_call_id="call_0", content='{"temperature": 21}'),
            Message(role="assistant", content="It is 21 °C in Paris."),
            Message(role="user", content="###STOP###"),
        ],
        meta={"backend": "scripted:test"},
    )


def test_labels_default_to_one_trainable_label_per_assistant_turn() -> None:
    t = _trajectory()
    assert [label.message_index for label in t.labels] == [1, 3]
    assert all(label.train for label in t.labels)
    assert t.trainable_indices() == [1, 3]


def test_labels_must_match_assistant_turns() -> None:
    data = _trajectory().model_dump()
    data["labels"] = [TurnLabel(message_index=1).model_dump()]
    with pytest.raises(ValidationError, match="one entry per assistant message"):
        Trajectory.model_validate(data)


def test_role_specific_fields_are_enforced() -> None:
    with pytest.raises(ValidationError, match="tool_call_id"):
        Message(role="tool", content="x")
    with pytest.raises(ValidationError, match="only allowed on assistant"):
        Message(role="user", content="x", reasoning_content="no")


def test_required_must_name_defined_parameters() -> None:
    bad = json.loads(json.dumps(WEATHER))
    bad["function"]["parameters"]["required"] = ["country"]
    with pytest.raises(ValidationError, match="undefined parameters"):
        ToolSpec.model_validate(bad)


def test_tool_call_arguments_are_json_strings() -> None:
    call = ToolCall.make("c", "f", {"x": [1, 2], "s": "é"})
    assert isinstance(call.function.arguments, str)
    assert call.function.parsed_arguments() == {"x": [1, 2], "s": "é"}
    with pytest.raises(ValueError, match="not valid JSON"):
        ToolCall.make("c", "f", "{oops").function.parsed_arguments()


def test_jsonl_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    records = [_trajectory(i) for i in range(3)]
    assert write_jsonl(path, records) == 3
    back = read_jsonl(path, Trajectory, strict=True).records
    assert back == records


def test_bad_records_give_one_error_each_and_keep_good_ones(tmp_path: Path) -> None:
    good = _trajectory(1).model_dump_json(exclude_none=True)
    wrong_type = _trajectory(2).model_dump(exclude_none=True)
    wrong_type["messages"][0]["content"] = 42
    unknown_role = _trajectory(3).model_dump(exclude_none=True)
    unknown_role["messages"][0]["role"] = "narrator"
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        "\n".join([good, json.dumps(wrong_type), good.replace('"t1"', '"t4"'), json.dumps(unknown_role)])
        + "\n"
        + good[: len(good) // 2]  # truncated last line
        + "\n",
        encoding="utf-8",
    )
    result = read_jsonl(path, Trajectory)
    assert [r.id for r in result.records] == ["t1", "t4"]
    assert [(e.line, e.field) for e in result.errors] == [
        (2, "messages.0.content"),
        (4, "messages.0.role"),
        (5, ""),
    ]
    assert all(str(path) in str(e) for e in result.errors)
    assert "invalid JSON" in result.errors[2].message
    with pytest.raises(JsonlError, match="3 bad record"):
        read_jsonl(path, Trajectory, strict=True)


def test_appender_repairs_a_torn_tail(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    with JsonlAppender(path) as out:
        out.append(_trajectory(0))
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"id": "torn", "messa')  # a writer killed mid-line
    with JsonlAppender(path) as out:  # reopening for resume cuts the partial line
        out.append(_trajectory(1))
    assert [t.id for t in read_jsonl(path, Trajectory, strict=True).records] == ["t0", "t1"]
    assert repair_tail(path) is False


def test_chain_links_must_stay_inside_the_chain() -> None:
    Chain(id="c", tools=["a", "b"], links=[{"src": 0, "src_param": "id", "dst": 1, "dst_param": "id"}])
    with pytest.raises(ValidationError, match="outside the chain"):
        Chain(id="c", tools=["a"], links=[{"src": 0, "src_param": "id", "dst": 1, "dst_param": "id"}])
