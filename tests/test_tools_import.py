"""Importers: native fixtures per format, round trips through the writers, malformed input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolmind.schema import FunctionSpec, ToolSpec
from toolmind.tools.formats import FORMATS, detect_format
from toolmind.tools.io import export_tools, load_tools, save_tools
from toolmind.tools.normalize import ToolFormatError, parse_type

WEATHER = {
    "name": "get_weather",
    "description": "Get the current weather of a city.",
    "parameters": {
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": "City name."},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "description": "Unit."},
            "days": {"type": "integer", "description": "Days ahead."},
        },
        "required": ["city"],
    },
}


def _write_jsonl(path: Path, records: list[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_openai_fixture(tmp_path: Path) -> None:
    f = _write_jsonl(tmp_path / "openai.jsonl", [{"tools": [{"type": "function", "function": WEATHER}]}])
    report = load_tools(f)
    assert report.formats[str(f)] == "openai"
    assert [t.name for t in report.tools] == ["get_weather"]
    assert report.tools[0].function.parameters["required"] == ["city"]


def test_xlam_fixture_normalises_types_and_required(tmp_path: Path) -> None:
    tools = [
        {
            "name": "Search Products",
            "description": "Search the catalogue.",
            "parameters": {
                "query": {"type": "str", "description": "Search text.", "default": ""},
                "max_results": {"type": "int, optional", "description": "Cap.", "default": 10},
                "price_range": {"type": "List[float]", "description": "Min and max price."},
                "in_stock": {"type": "bool", "description": "Only in-stock items."},
                "filters": {"type": "Dict[str, str]", "description": "Extra filters."},
            },
        }
    ]
    rec = {"id": 7, "query": "find shoes", "answers": "[]", "tools": json.dumps(tools)}
    report = load_tools(_write_jsonl(tmp_path / "xlam.jsonl", [rec]))
    assert not report.skipped, report.skipped
    (tool,) = report.tools
    assert tool.name == "Search_Products"
    props = tool.function.parameters["properties"]
    assert props["query"]["type"] == "string"
    assert props["max_results"]["type"] == "integer"
    assert props["price_range"] == {
        "type": "array",
        "items": {"type": "number"},
        "description": "Min and max price.",
    }
    assert props["in_stock"]["type"] == "boolean"
    assert props["filters"]["type"] == "object"
    # xLAM: required = no ", optional" and no default.
    assert tool.function.parameters["required"] == ["price_range", "in_stock", "filters"]


def test_toolace_fixture_tools_in_system_prompt(tmp_path: Path) -> None:
    fn = {
        "name": "Get Stock Price",
        "description": "Latest price of a stock.",
        "parameters": {
            "type": "dict",
            "properties": {
                "symbol": {"type": "string", "description": "Ticker."},
                "delayed": {"type": "boolean"},
            },
            "required": ["symbol"],
        },
        "required": None,
        "results": {"type": "dict", "properties": {"price": {"type": "float", "description": "Last price."}}},
    }
    system = (
        "You are an expert in composing functions. You are given a question and a set of possible "
        f"functions.\nHere is a list of functions in JSON format that you can invoke:\n{json.dumps([fn])}.\n"
        "Should you decide to invoke any of the function(s), put it in the format of [func1(params_name=params_value)]"
    )
    rec = {"system": system, "conversations": [{"from": "user", "value": "price of AAPL?"}]}
    report = load_tools(_write_jsonl(tmp_path / "toolace.jsonl", [rec]))
    assert report.formats and next(iter(report.formats.values())) == "toolace"
    (tool,) = report.tools
    assert tool.name == "Get_Stock_Price"
    assert tool.function.parameters["type"] == "object"
    assert tool.function.parameters["required"] == ["symbol"]
    assert tool.returns == {
        "type": "object",
        "properties": {"price": {"type": "number", "description": "Last price."}},
    }


def test_glaive_fixture_consecutive_objects(tmp_path: Path) -> None:
    f2 = {
        "name": "calculate_tip",
        "description": "Calculate a tip",
        "parameters": {
            "type": "object",
            "properties": {"bill": {"type": "number"}, "percent": {"type": "number"}},
            "required": ["bill", "percent"],
        },
    }
    system = (
        "SYSTEM: You are a helpful assistant with access to the following functions. Use them if required -\n"
        + json.dumps(WEATHER, indent=4)
        + "\n\n"
        + json.dumps(f2, indent=4)
    )
    rec = {"system": system, "chat": "USER: What's the weather in Oslo? <|endoftext|>"}
    report = load_tools(_write_jsonl(tmp_path / "glaive.jsonl", [rec]))
    assert [t.name for t in report.tools] == ["get_weather", "calculate_tip"]


def test_sharegpt_fixture(tmp_path: Path) -> None:
    rec = {
        "conversations": [
            {"from": "human", "value": "weather in Rome"},
            {
                "from": "function_call",
                "value": json.dumps({"name": "get_weather", "arguments": {"city": "Rome"}}),
            },
            {"from": "observation", "value": "{}"},
            {"from": "gpt", "value": "Sunny."},
        ],
        "tools": json.dumps([WEATHER]),
        "system": "",
    }
    report = load_tools(_write_jsonl(tmp_path / "sharegpt.jsonl", [rec]))
    assert next(iter(report.formats.values())) == "sharegpt"
    assert report.tools[0].function.parameters == WEATHER["parameters"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_every_format(tmp_path: Path, fmt: str) -> None:
    tools = [
        ToolSpec(function=FunctionSpec(**WEATHER)),
        ToolSpec(
            function=FunctionSpec(
                name="send_message",
                description="Send a chat message.",
                parameters={
                    "type": "object",
                    "properties": {
                        "to": {"type": "array", "items": {"type": "string"}, "description": "Recipients."},
                        "text": {"type": "string", "description": "Body."},
                        "urgent": {"type": "boolean", "description": "Flag."},
                        "score": {"type": "number", "description": "A number."},
                    },
                    "required": ["to", "text"],
                },
            )
        ),
    ]
    path = tmp_path / f"{fmt}.jsonl"
    export_tools(path, tools, fmt)
    report = load_tools(path)
    assert report.formats[str(path)] == fmt
    assert not report.skipped
    assert [t.function for t in report.tools] == [t.function for t in tools]


def test_toolspec_round_trip_keeps_returns(tmp_path: Path) -> None:
    tool = ToolSpec(function=FunctionSpec(**WEATHER), returns={"type": "object", "properties": {}})
    save_tools(tmp_path / "t.jsonl", [tool])
    assert load_tools(tmp_path / "t.jsonl").tools == [tool]


def test_malformed_tools_are_reported_not_fatal(tmp_path: Path) -> None:
    good = {"type": "function", "function": WEATHER}
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({"type": "function", "function": {"description": "no name"}}),
        json.dumps(
            {
                "type": "function",
                "function": {
                    **WEATHER,
                    "name": "bad_type",
                    "parameters": {"type": "object", "properties": {"x": {"type": "quaternion"}}},
                },
            }
        ),
        json.dumps({"type": "function", "function": {**WEATHER, "name": "bad_params", "parameters": "city"}}),
        # duplicate parameter: the raw JSON repeats the key "city" inside properties
        '{"name": "dup_param", "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "city": {"type": "integer"}}}}',
        json.dumps(good),  # identical duplicate: dropped, not renamed
        json.dumps({"type": "function", "function": {**WEATHER, "description": "Other weather API."}}),
        json.dumps([1, 2]),
    ]
    f = tmp_path / "mixed.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = load_tools(f, fmt="toolspec")
    reasons = {src.split(":")[-1].split()[0]: why for src, why in report.skipped}
    assert "invalid JSON" in reasons["2"]
    assert "missing name" in reasons["3"]
    assert "unknown type 'quaternion'" in reasons["4"]
    assert "parameters must be an object" in reasons["5"]
    assert "duplicate parameter" in reasons["6"] and "city" in reasons["6"]
    assert "expected a JSON object" in reasons["9"]
    assert [t.name for t in report.tools] == ["get_weather", "get_weather_2"]
    assert report.renamed == [("get_weather", "get_weather_2")]
    assert len(report.duplicates) == 1 and report.duplicates[0][1] == "get_weather"


def test_folder_and_json_list_inputs(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps([WEATHER]), encoding="utf-8")
    (tmp_path / "sub").mkdir()
    _write_jsonl(
        tmp_path / "sub" / "b.jsonl", [{"type": "function", "function": {**WEATHER, "name": "other"}}]
    )
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    report = load_tools(tmp_path)
    assert sorted(t.name for t in report.tools) == ["get_weather", "other"]


def test_unknown_format_and_missing_path(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown tool format"):
        load_tools(tmp_path, fmt="yaml")
    with pytest.raises(FileNotFoundError, match="no such tool file"):
        load_tools(tmp_path / "nope.jsonl")
    with pytest.raises(ToolFormatError, match="cannot tell the format"):
        detect_format({"foo": 1})


@pytest.mark.parametrize(
    ("raw", "schema", "optional"),
    [
        ("str", {"type": "string"}, False),
        ("Optional[int]", {"type": "integer"}, True),
        ("float, optional", {"type": "number"}, True),
        ("List[Dict[str, Any]]", {"type": "array", "items": {"type": "object"}}, False),
        ("str | None", {"type": "string"}, True),
        (["string", "null"], {"type": "string"}, True),
        ("Tuple[int, int]", {"type": "array", "items": {"type": "integer"}}, False),
    ],
)
def test_parse_type(raw: object, schema: dict[str, object], optional: bool) -> None:
    assert parse_type(raw, "p") == (schema, optional)


def test_cli_import_reports_skips_and_completes(tmp_path: Path) -> None:
    from toolmind.cli import main
    from toolmind.schema import read_jsonl

    src = _write_jsonl(
        tmp_path / "glaive.jsonl",
        [
            {
                "system": "SYSTEM: functions -\n"
                + json.dumps(
                    {"name": "lookup_order", "parameters": {"type": "object", "properties": {"order_id": {}}}}
                ),
                "chat": "",
            },
            {"system": 42, "chat": ""},
        ],
    )
    out = tmp_path / "pool.jsonl"
    assert main(["tools", "import", "--in", str(src), "--out", str(out), "--complete", "rules"]) == 0
    (tool,) = read_jsonl(out, ToolSpec, strict=True).records
    assert tool.function.parameters["properties"]["order_id"]["type"] == "string"
    assert tool.returns and tool.returns["properties"]
    assert main(["tools", "stats", "--tools", str(out)]) == 0
