"""BFCL data access and the Qwen FC prompt, checked against the official handler (scorer venv)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolmind.eval.bfcl.data import (
    ALL_CATEGORIES,
    CATEGORY_SIZES,
    bfcl_version,
    load_answers,
    load_questions,
    resolve_categories,
    sample_ids,
)
from toolmind.eval.bfcl.multiturn import decode_execute_calls
from toolmind.eval.bfcl.prompt import format_prompt, parse_response, prepare_entry
from toolmind.eval.bfcl.scorer_env import run_worker


def test_categories_sizes_and_answers_align() -> None:
    assert bfcl_version() >= "2026.3.23"
    assert sum(CATEGORY_SIZES[c] for c in ALL_CATEGORIES) == 5106  # REFERENCE §4: scored entries
    for category in ALL_CATEGORIES:
        questions = load_questions(category)
        assert len(questions) == CATEGORY_SIZES[category], category
        answers = load_answers(category)
        if answers:
            assert [a["id"] for a in answers] == [q["id"] for q in questions]
    held = load_questions("multi_turn_miss_func")[0]
    missing = [d["name"] for docs in held["missed_function"].values() for d in docs]
    assert missing and not set(missing) & {d["name"] for d in held["function"]}


def test_resolve_and_sample() -> None:
    assert resolve_categories("live_simple,non_live")[:2] == ["simple_python", "simple_java"]
    assert resolve_categories(["multi_turn"]) == [c for c in ALL_CATEGORIES if c.startswith("multi_turn")]
    with pytest.raises(ValueError, match="unknown BFCL category 'simple'"):
        resolve_categories("simple")
    a = sample_ids("simple_python", 5, 3)
    assert a == sample_ids("simple_python", 5, 3) and len(a) == 5
    assert a != sample_ids("simple_python", 5, 4)
    assert len(sample_ids("live_parallel", 100, 0)) == 16


def _history() -> list[dict]:
    return [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "list files"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"name": "ls", "arguments": {"a": "é"}}] * 2,
            "reasoning_content": "think",
        },
        {"role": "tool", "content": "a.txt"},
        {"role": "tool", "content": "b.txt"},
        {"role": "assistant", "content": "<think>\nr2\n</think>\n\nAll done."},
        {"role": "user", "content": "thanks"},
        {"role": "assistant", "content": "ok", "reasoning_content": ""},
        {"role": "user", "content": "<tool_response>\nx\n</tool_response>"},
    ]


def test_prompts_equal_official_handler(tmp_path: Path) -> None:
    """Every entry's first-turn prompt and a multi-step history render byte-identically to QwenFCHandler."""
    funcs = prepare_entry(load_questions("multi_turn_base")[0])["function"][:2]
    request = {
        "categories": list(ALL_CATEGORIES),
        "conversations": [
            {"messages": _history(), "function": funcs},
            {"messages": _history(), "function": []},
        ],
    }
    (tmp_path / "req.json").write_text(json.dumps(request))
    run_worker(
        "official_prompts.py", [str(tmp_path / "req.json"), str(tmp_path / "ans.json")], tmp_path / "root"
    )
    answer = json.loads((tmp_path / "ans.json").read_text())
    checked = 0
    for category in ALL_CATEGORIES:
        for entry in map(prepare_entry, load_questions(category)):
            assert format_prompt(entry["question"][0], entry["function"]) == answer["entries"][entry["id"]], (
                entry["id"]
            )
            checked += 1
    assert checked == len(answer["entries"]) == 5106
    assert format_prompt(_history(), funcs) == answer["conversations"][0]
    assert format_prompt(_history(), []) == answer["conversations"][1]
    assert format_prompt(_history(), []).endswith("<|im_start|>assistant\n")
    assert format_prompt(_history(), [], thinking=False).endswith(
        "<|im_start|>assistant\n<think>\n\n</think>\n\n"
    )


def test_parse_and_decode() -> None:
    raw = '<think>\nplan\n</think>\n\n<tool_call>\n{"name": "f", "arguments": {"x": 1}}\n</tool_call>\n<tool_call>\nbad\n</tool_call>'
    parsed = parse_response(raw)
    assert parsed.reasoning == "plan" and parsed.tool_calls == [{"name": "f", "arguments": {"x": 1}}]
    assert parsed.history_message()["tool_calls"] == parsed.tool_calls
    assert decode_execute_calls(parsed.text) == [{"name": "f", "arguments": {"x": 1}}]
    assert decode_execute_calls('<tool_call>{"name": "f"}</tool_call>') == []  # no newlines: not a call
    assert decode_execute_calls('<tool_call>\n{"name": "f"}\n</tool_call>') is None
    assert decode_execute_calls('<tool_call>\n{"name": "f", "arguments": "{\\"y\\": 2}"}\n</tool_call>') == [
        {"name": "f", "arguments": {"y": 2}}
    ]


def test_eval_configs_are_valid() -> None:
    import yaml

    from toolmind.eval.bfcl.runner import BFCLConfig

    paths = sorted((Path(__file__).parents[1] / "evals" / "bfcl_v4").glob("*.yaml"))
    assert len(paths) >= 4
    for path in paths:
        cfg = BFCLConfig(**yaml.safe_load(path.read_text()))
        assert resolve_categories(cfg.categories), path
    with pytest.raises(ValueError, match="backend"):
        BFCLConfig(model="m", out="o", backend="ollama")
