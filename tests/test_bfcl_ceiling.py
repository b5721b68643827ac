"""benchmarks/bfcl_ceiling.py: its rows are valid training rows, the official answers, and decontaminated."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from toolmind.schema import Trajectory

pytest.importorskip("bfcl_eval")


def test_json_schema_maps_python_type_names_but_not_property_names(
    benchmark_script: Callable[[str], ModuleType],
) -> None:
    bc = benchmark_script("bfcl_ceiling")
    doc: dict[str, Any] = {
        "name": "f",
        "parameters": {
            "type": "dict",
            "properties": {
                "type": {"type": "float", "description": "a property called type"},
                "pair": {"type": "tuple", "items": {"type": "float"}},
                "anything": {"type": "any"},
            },
            "required": ["type"],
        },
    }
    got = bc.json_schema(doc)
    assert got["parameters"]["type"] == "object"
    assert got["parameters"]["properties"]["type"] == {
        "type": "number",
        "description": "a property called type",
    }
    assert got["parameters"]["properties"]["pair"] == {"type": "array", "items": {"type": "number"}}
    assert got["parameters"]["properties"]["anything"] == {"type": "string"}
    assert doc["parameters"]["type"] == "dict"  # the input is not changed


def test_live_rows_are_the_official_answers_and_leave_out_what_touches_the_scored_categories(
    benchmark_script: Callable[[str], ModuleType],
) -> None:
    bc = benchmark_script("bfcl_ceiling")
    index = bc.benchmark_index(("simple_python",))
    rows = bc.live_rows(index, ("live_simple", "live_irrelevance"))
    assert len(rows.relevant) > 200 and len(rows.irrelevant) > 700
    # live_simple's get_current_weather is simple_python_187's function name: every entry offering it is out
    offering = {
        k
        for k, hit in rows.left_out.items()
        if any(t["tool"] == "get_current_weather" for t in hit.get("tools", []))
    }
    assert offering and not any(
        t["function"]["name"] == "get_current_weather"
        for r in rows.relevant + rows.irrelevant
        for t in r["tools"]
    )
    by_id = {r["id"]: r for r in rows.relevant}
    # live_simple_0: get_user_info(user_id=7890, special='black'), the first acceptable values
    first = by_id["bfcl-live_simple_0-0-0"]
    Trajectory.model_validate(first)
    (call,) = first["messages"][-1]["tool_calls"]
    assert call["function"]["name"] == "get_user_info"
    assert json.loads(call["function"]["arguments"]) == {"user_id": 7890, "special": "black"}
    assert first["tools"][0]["function"]["parameters"]["type"] == "object"
    refusal = rows.irrelevant[0]["messages"][-1]
    assert refusal == {"role": "assistant", "content": bc.REFUSAL}

    chosen = bc.choose(rows, 50, 0.3, seed=0)
    assert len(chosen) == 50 and sum("tool_calls" not in r["messages"][-1] for r in chosen) == 15
    assert chosen == bc.choose(rows, 50, 0.3, seed=0) and chosen != bc.choose(rows, 50, 0.3, seed=1)
    with pytest.raises(ValueError, match="left out: decontaminated or held out"):
        bc.choose(rows, 10_000, 0.3, seed=0)


def test_choose_gives_the_refusals_the_tool_counts_of_the_calls(
    benchmark_script: Callable[[str], ModuleType],
) -> None:
    bc = benchmark_script("bfcl_ceiling")
    rows = bc.live_rows(bc.benchmark_index(("simple_python",)), ("live_multiple", "live_irrelevance"))
    # live_irrelevance offers one tool in most entries, live_multiple two or more in all of them
    assert sum(bc.tool_count(r) == 1 for r in rows.irrelevant) > len(rows.irrelevant) / 2
    assert all(bc.tool_count(r) >= 2 for r in rows.relevant)

    def strata(chosen: list[dict[str, Any]]) -> Counter[tuple[bool, int]]:
        return Counter(("tool_calls" in r["messages"][-1], bc.tool_count(r)) for r in chosen)

    natural = strata(bc.choose(rows, 100, 0.3, seed=0, mix="natural"))
    assert natural[(False, 1)] > 10  # one-tool prompts only ever refused
    balanced = strata(bc.choose(rows, 100, 0.3, seed=0))
    assert sum(n for (call, _), n in balanced.items() if not call) == 30 and balanced[(False, 1)] == 0
    for k in (2, 3, 4):  # each stratum's refusals in proportion to its calls (largest remainder)
        assert abs(balanced[(False, k)] - 30 * balanced[(True, k)] / 70) < 1
    with pytest.raises(ValueError, match="by_tools"):
        bc.choose(rows, 100, 0.3, seed=0, mix="uniform")


def test_heldout_rows_are_the_scored_categories_outside_the_sample_that_is_scored(
    benchmark_script: Callable[[str], ModuleType],
) -> None:
    bc = benchmark_script("bfcl_ceiling")
    held = bc.held_out(20, seed=3, categories=("multiple", "irrelevance"))
    assert {k: len(v) for k, v in held.items()} == {"multiple": 20, "irrelevance": 20}
    rows = bc.heldout_rows(held)
    trained = {r["id"] for r in rows.relevant + rows.irrelevant}
    scored = {f"bfcl-{i}" for ids in held.values() for i in ids}
    assert len(rows.relevant) == 180 and len(rows.irrelevant) == 220
    assert not trained & scored and set(rows.left_out) == scored
    assert all("tool_calls" in r["messages"][-1] for r in rows.relevant)
    assert all(r["messages"][-1]["content"] == bc.REFUSAL for r in rows.irrelevant)
    # irrelevance offers one tool, multiple two or more: only the natural mix can draw from them
    assert len(bc.choose(rows, 100, 0.3, seed=0, mix="natural")) == 100
    with pytest.raises(ValueError, match="refusals offering 2 tools"):
        bc.choose(rows, 100, 0.3, seed=0)


def test_against_cuts_stored_outputs_to_the_sample_and_pairs_the_scores(
    benchmark_script: Callable[[str], ModuleType], tmp_path: Path
) -> None:
    bc = benchmark_script("bfcl_ceiling")
    results = tmp_path / "results" / "train-abc"
    (results / "Qwen_Qwen3-8B-FC" / "non_live").mkdir(parents=True)
    (results / "manifest.json").write_text('{"model": "runs/demo/train"}', encoding="utf-8")
    stored = results / "Qwen_Qwen3-8B-FC" / "non_live" / "BFCL_v4_multiple_result.json"
    stored.write_text(
        "".join(json.dumps({"id": f"multiple_{i}", "result": f"out {i}"}) + "\n" for i in range(5)),
        encoding="utf-8",
    )
    cut = bc.cut_results(results, {"multiple_1", "multiple_3"}, tmp_path / "cut")
    assert (cut / "manifest.json").read_bytes() == (results / "manifest.json").read_bytes()
    kept = (cut / stored.relative_to(results)).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["result"] for line in kept] == ["out 1", "out 3"]
    with pytest.raises(ValueError, match="multiple_7"):
        bc.cut_results(results, {"multiple_1", "multiple_7"}, tmp_path / "cut2")

    score = tmp_path / "score" / "BFCL_v4_multiple_score.json"
    score.parent.mkdir()
    lines = [
        {"accuracy": 0.6},
        {"id": "multiple_1", "error_type": "x"},
        {"id": "multiple_4", "error_type": "y"},
    ]
    score.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    ids = {f"multiple_{i}" for i in range(5)}
    assert bc.right_ids(score.parent, ids) == {"multiple_0", "multiple_2", "multiple_3"}
    # What toolmind counted wrong, outputs rejected as unsafe included, wins over the official files.
    counted = score.parent / "score" / "counted_wrong.json"
    counted.parent.mkdir()
    counted.write_text(json.dumps({"multiple": ["multiple_1", "multiple_2", "multiple_4"]}), encoding="utf-8")
    assert bc.right_ids(score.parent, ids) == {"multiple_0", "multiple_3"}
    assert bc.paired({"a", "b", "c", "d", "e"}, {"a", "f"}) == (4, 1, pytest.approx(3 / 5**0.5))
    assert bc.paired({"a"}, {"a"}) == (0, 0, 0.0)
