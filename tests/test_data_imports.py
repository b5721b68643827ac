"""Imports of open tool-use datasets: one small fixture per published layout, written by the test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from toolmind.cli import main
from toolmind.data.imports import import_file
from toolmind.data.parsing import python_calls
from toolmind.schema import Trajectory, read_jsonl

WEATHER = {
    "name": "get_weather",
    "description": "Current weather of a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
        "required": ["city"],
    },
}
WEATHER_RESULT = {"temp_c": 21, "sky": "clear"}

FIXTURES: dict[str, dict[str, Any]] = {
    "xlam": {
        "id": 7,
        "query": "Weather in Paris for 3 days?",
        "answers": json.dumps([{"name": "get_weather", "arguments": {"city": "Paris", "days": 3}}]),
        "tools": json.dumps(
            [
                {
                    "name": "get_weather",
                    "description": "Current weather of a city.",
                    "parameters": {
                        "city": {"type": "str", "description": "City name"},
                        "days": {"type": "int, optional", "description": "Days", "default": 1},
                    },
                }
            ]
        ),
    },
    "apigen-mt": {
        "system": "You are a weather agent.",
        "tools": json.dumps([WEATHER]),
        "conversations": [
            {"from": "human", "value": "Weather in Paris for 3 days?"},
            {
                "from": "function_call",
                "value": json.dumps({"name": "get_weather", "arguments": {"city": "Paris", "days": 3}}),
            },
            {"from": "observation", "value": json.dumps(WEATHER_RESULT)},
            {"from": "gpt", "value": "It is clear, 21 C."},
        ],
    },
    "toolace": {
        "system": "You are an expert in composing functions. Here is a list of functions in JSON format that "
        f"you can invoke:\n{json.dumps([{**WEATHER, 'parameters': {**WEATHER['parameters'], 'type': 'dict'}}])}.\n"
        "Should you decide to invoke any of the function(s), put it in the format of [func1(params_name=params_value)]",
        "conversations": [
            {"from": "user", "value": "Weather in Paris for 3 days?"},
            {"from": "assistant", "value": "[get_weather(city='Paris', days=3)]"},
            {"from": "tool", "value": json.dumps([{"name": "get_weather", "results": WEATHER_RESULT}])},
            {"from": "assistant", "value": "It is clear, 21 C."},
        ],
    },
    "glaive": {
        "system": "SYSTEM: You are a helpful assistant with access to the following functions. Use them if "
        f"required -\n{json.dumps(WEATHER, indent=4)}\n",
        "chat": "USER: Weather in Paris for 3 days?\n\n\nASSISTANT: <functioncall> "
        '{"name": "get_weather", "arguments": \'{"city": "Paris", "days": 3}\'} <|endoftext|>\n\n\n'
        f"FUNCTION RESPONSE: {json.dumps(WEATHER_RESULT)}\n\n\nASSISTANT: It is clear, 21 C. <|endoftext|>\n",
    },
    "when2call": {
        "tools": [
            {
                "name": "get_weather",
                "description": "Current weather of a city.",
                "parameters": {
                    "type": "dict",
                    "properties": {"city": {"type": "str"}, "days": {"type": "int", "default": "1"}},
                },
                "required": ["city"],
            }
        ],
        "messages": [
            {"role": "user", "content": "Weather in Paris for 3 days?"},
            {
                "role": "assistant",
                "content": '<TOOLCALL>[{"name": "get_weather", "arguments": {"city": "Paris", "days": 3}}]</TOOLCALL>',
            },
        ],
    },
    "button": {
        "messages": [
            {
                "role": "system",
                "content": "You are an expert in using functions (i.e., tools) to solve users' tasks. The functions "
                f"available for you to use are detailed below: \n<tool>\n{json.dumps([WEATHER])}\n</tool>\n\n...",
            },
            {"role": "user", "content": "Weather in Paris for 3 days?"},
            {
                "role": "assistant",
                "content": "User wants the weather. I call get_weather. <call>"
                + json.dumps([{"name": "get_weather", "arguments": {"city": "Paris", "days": 3}}])
                + "</call>",
            },
            {
                "role": "tool",
                "content": json.dumps(
                    [{"name": "get_weather", "arguments": {"city": "Paris"}, "results": WEATHER_RESULT}]
                ),
            },
            {"role": "assistant", "content": "I have the result. <final>It is clear, 21 C.</final>"},
        ]
    },
    "hermes": {
        "id": "h1",
        "conversations": [
            {
                "from": "system",
                "value": "You are a function calling AI model. <tools> "
                + str([{"type": "function", "function": WEATHER}])
                + " </tools> Use the schema.",
            },
            {"from": "human", "value": "Weather in Paris for 3 days?"},
            {
                "from": "gpt",
                "value": "<tool_call>\n{'arguments': {'city': 'Paris', 'days': 3}, 'name': 'get_weather'}\n</tool_call>",
            },
            {"from": "tool", "value": f"<tool_response>\n{json.dumps(WEATHER_RESULT)}\n</tool_response>"},
            {"from": "gpt", "value": "It is clear, 21 C."},
        ],
    },
}
HAS_RESULT = {"apigen-mt", "toolace", "glaive", "button", "hermes"}


@pytest.mark.parametrize("fmt", sorted(FIXTURES))
def test_import_each_format(tmp_path: Path, fmt: str) -> None:
    src = tmp_path / f"{fmt}.jsonl"
    src.write_text(json.dumps(FIXTURES[fmt]) + "\n{broken\n" + json.dumps({"unrelated": 1}) + "\n")
    manifest = import_file(src, fmt, tmp_path / "out")
    assert manifest["imported"] == 1 and manifest["skipped"] == 2
    assert manifest["errors"][0].startswith(f"{src}:2: invalid JSON")
    assert f"{src}:3" in manifest["errors"][1]
    (traj,) = read_jsonl(tmp_path / "out" / "trajectories.jsonl", Trajectory, strict=True).records
    assert [t.name for t in traj.tools] == ["get_weather"]
    params = traj.tools[0].function.parameters
    assert params["properties"]["city"]["type"] == "string" and params["required"] == ["city"]
    calls = [c for m in traj.messages if m.tool_calls for c in m.tool_calls]
    assert [(c.function.name, c.function.parsed_arguments()) for c in calls] == [
        ("get_weather", {"city": "Paris", "days": 3})
    ]
    assert traj.meta["source"] == fmt and all(label.train for label in traj.labels)
    users = [m.content for m in traj.messages if m.role == "user"]
    assert users == ["Weather in Paris for 3 days?"]
    results = [m for m in traj.messages if m.role == "tool"]
    if fmt in HAS_RESULT:
        assert [(r.tool_call_id, json.loads(r.content)) for r in results] == [(calls[0].id, WEATHER_RESULT)]
        assert traj.messages[-1].role == "assistant" and traj.messages[-1].content == "It is clear, 21 C."
    else:
        assert results == []


def test_button_thought_becomes_reasoning(tmp_path: Path) -> None:
    src = tmp_path / "b.json"
    src.write_text(json.dumps([FIXTURES["button"]]))
    import_file(src, "button", tmp_path / "out")
    (traj,) = read_jsonl(tmp_path / "out" / "trajectories.jsonl", Trajectory, strict=True).records
    call_turn = next(m for m in traj.messages if m.tool_calls)
    assert call_turn.reasoning_content == "User wants the weather. I call get_weather."


def test_cli_import(tmp_path: Path) -> None:
    src = tmp_path / "x.jsonl"
    src.write_text(json.dumps(FIXTURES["xlam"]) + "\n")
    assert main(["data", "import", "--format", "xlam", "--in", str(src), "--out", str(tmp_path / "o")]) == 0
    assert json.loads((tmp_path / "o" / "manifest.json").read_text())["imported"] == 1


def test_python_calls_never_execute() -> None:
    assert python_calls("[f(a=1, b='x'), mod.g(c=[1, 2])]") == [
        ("f", {"a": 1, "b": "x"}),
        ("mod.g", {"c": [1, 2]}),
    ]
    assert python_calls("[os.system(cmd=__import__('os').getcwd())]") is None
    assert python_calls("It is sunny.") is None
