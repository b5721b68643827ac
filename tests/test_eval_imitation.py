"""The mistake-imitation probe: which turns it probes, how it classifies a generated turn, and a real
run with a tiny Qwen3 that writes points incrementally and resumes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolmind.chat import parse
from toolmind.eval.imitation import ImitationConfig, classify, probe_points, run_probe
from toolmind.schema import FunctionSpec, Message, ToolCall, ToolSpec, Trajectory, write_jsonl

WEATHER = ToolSpec(
    function=FunctionSpec(
        name="get_weather",
        description="Weather of a city.",
        parameters={
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city"],
        },
    )
)
NEWS = ToolSpec(
    function=FunctionSpec(
        name="get_news",
        description="Top headlines.",
        parameters={"type": "object", "properties": {"topic": {"type": "string"}}, "required": ["topic"]},
    )
)


def _call(cid: str, name: str, arguments: dict[str, object]) -> ToolCall:
    return ToolCall.model_validate(
        {"id": cid, "function": {"name": name, "arguments": json.dumps(arguments)}}
    )


def _trajectory(
    tid: str = "t1", goal: str = "Weather in Oslo for 3 days, then the news on Oslo."
) -> Trajectory:
    """user → wrong-tool call (injected) → tool error → the fix → result → a second, clean call → answer."""
    return Trajectory(
        id=tid,
        tools=[WEATHER, NEWS],
        messages=[
            Message(role="user", content=goal),
            Message(role="assistant", tool_calls=[_call("c1", "get_news", {"topic": "Oslo"})]),
            Message(role="tool", tool_call_id="c1", content='{"error": "wrong tool"}'),
            Message(role="assistant", tool_calls=[_call("c2", "get_weather", {"city": "Oslo", "days": 3})]),
            Message(role="tool", tool_call_id="c2", content='{"temp": 4}'),
            Message(role="assistant", content="4 °C. And the news?"),
            Message(role="user", content="Yes, the news please."),
            Message(role="assistant", tool_calls=[_call("c3", "get_news", {"topic": "Oslo"})]),
            Message(role="tool", tool_call_id="c3", content='{"headlines": []}'),
            Message(role="assistant", content="No headlines today."),
        ],
        meta={"injected_errors": [{"message_index": 1, "kind": "wrong_tool"}]},
    )


def test_probe_points_are_first_attempts_and_skip_the_fix() -> None:
    points = probe_points(_trajectory())
    # The injected turn (1) is probed against the fix's tool; the fix (3) is not probed; nor are the
    # turns without a call (5, 9); the later clean call (7) is.
    assert [(p.message_index, p.injected, p.expected_tools) for p in points] == [
        (1, "wrong_tool", ("get_weather",)),
        (7, None, ("get_news",)),
    ]


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>', "clean_call"),
        ("It is cold in Oslo.", "no_call"),
        ("<tool_call>\n{not json}\n</tool_call>", "invalid_call"),
        ('<tool_call>\n{"name": "weather_now", "arguments": {"city": "Oslo"}}\n</tool_call>', "unknown_tool"),
        ('<tool_call>\n{"name": "get_news", "arguments": {"topic": "Oslo"}}\n</tool_call>', "wrong_tool"),
        ('<tool_call>\n{"name": "get_weather", "arguments": {"days": 3}}\n</tool_call>', "missing_required"),
        (
            '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo", "days": "3"}}\n</tool_call>',
            "wrong_type",
        ),
    ],
)
def test_classify_generated_turn(text: str, outcome: str) -> None:
    assert classify(parse(text), _trajectory(), ("get_weather",)) == outcome


def test_probe_runs_a_real_model_resumes_and_skips_goals_seen_in_training(
    tmp_path: Path, tiny_qwen3_dir: Path
) -> None:
    held_out = tmp_path / "held_out.jsonl"
    seen = _trajectory("seen", goal="A goal that is also in the training data.")
    write_jsonl(held_out, [_trajectory("a"), _trajectory("b", goal="Weather in Rome."), seen])
    training = tmp_path / "train.jsonl"
    write_jsonl(training, [seen])
    out = tmp_path / "probe"
    cfg = ImitationConfig(
        model=str(tiny_qwen3_dir),
        trajectories=str(held_out),
        exclude=[str(training)],
        out=str(out),
        thinking=False,
        max_new_tokens=4,
        batch_size=2,
    )
    report = run_probe(cfg)
    assert report["points"] == 4 and report["excluded_as_seen"] == 1
    assert sum(o["count"] for o in report["outcomes"].values()) == 4
    assert report["points_at_injected_turns"] == 2
    lines = (out / "points.jsonl").read_text().splitlines()
    assert len(lines) == 4
    # A run killed after one point: the rerun generates only the missing ones and reports all four.
    (out / "points.jsonl").write_text(lines[0] + "\n")
    again = run_probe(cfg)
    assert again["points"] == 4
    keys = [json.loads(line)["key"] for line in (out / "points.jsonl").read_text().splitlines()]
    assert sorted(keys) == sorted(json.loads(line)["key"] for line in lines)  # each point once
    assert keys[0] == json.loads(lines[0])["key"]  # the finished point was kept, not redone
    assert (out / "report.md").read_text().startswith("# Mistake imitation probe")


def test_summary_counts_mistakes_per_point_and_per_call() -> None:
    from toolmind.eval.imitation import summarise

    outcomes = [
        "clean_call",
        "clean_call",
        "no_call",
        "no_call",
        "wrong_tool",
        "missing_required",
        "invalid_call",
    ]
    records = [
        {"key": str(i), "outcome": o, "injected": "wrong_tool" if i < 2 else None}
        for i, o in enumerate(outcomes)
    ]
    cfg = ImitationConfig(model="m", trajectories="t.jsonl", out="o")
    report = summarise(records, cfg, excluded=0, trajectories=3)
    assert report["points"] == 7
    assert report["mistake_rate"]["count"] == 2 and report["mistake_rate"]["share"] == 2 / 7
    # 4 turns made a decodable call (2 clean, 2 mistaken): per call, half were mistakes
    assert report["mistake_rate_among_calls"]["share"] == 0.5
    assert report["points_at_injected_turns"] == 2 and report["mistake_rate_at_injected_turns"]["count"] == 0
    lo, hi = report["mistake_rate"]["ci95"]
    assert lo < 2 / 7 < hi
