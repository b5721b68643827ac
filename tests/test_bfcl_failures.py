"""Failed entries are counted by the official scorer's error type and by what the answer held."""

from __future__ import annotations

from pathlib import Path

from toolmind.eval.bfcl.oracle import oracle_results
from toolmind.eval.bfcl.report import build_report, markdown
from toolmind.eval.bfcl.results import append_results, open_run_dir, result_file
from toolmind.eval.bfcl.score import score_run


def test_no_call_and_unparsed_call_are_told_apart(tmp_path: Path) -> None:
    ids = [f"simple_python_{i}" for i in range(5)]
    rows = oracle_results("simple_python", set(ids))  # gold calls, in id order
    rows[1]["result"] = "None of my tools covers that, so I won't guess with one."  # declined
    rows[2]["result"] = '<tool_call>\n{"name": "math.hypot", "arguments": {"x": 4, "y": 5}}}\n</tool_call>'
    rows[3]["result"] += "\n" + rows[3]["result"]  # the call twice
    irrelevant = oracle_results("irrelevance", {"irrelevance_0", "irrelevance_1"})
    irrelevant[0]["result"] = (
        '<tool_call>\n{"name": "determine_body_mass_index", "arguments": {}}\n</tool_call>'
    )
    run_dir = open_run_dir(tmp_path / "out", "handwritten", {})
    append_results(result_file(run_dir, "simple_python"), rows)
    append_results(result_file(run_dir, "irrelevance"), irrelevant)
    selection = {"simple_python": ids, "irrelevance": ["irrelevance_0", "irrelevance_1"]}
    scored = score_run(run_dir, tmp_path / "out", selection, partial=True)

    simple = scored.scores["simple_python"]
    assert (simple.correct, simple.total) == (2, 5)
    assert simple.error_types == {"simple_function_checker:wrong_count": 3}
    assert (simple.no_call, simple.unparsed_call) == (1, 1)  # the third: two calls, decoded
    irrelevance = scored.scores["irrelevance"]
    assert (irrelevance.correct, irrelevance.no_call, irrelevance.unparsed_call) == (1, 0, 0)

    md = markdown(build_report(scored, {}, {"model": "handwritten", "bfcl_version": "x"}))
    assert "- simple_python (3): wrong_count 3 (no call 1, unparsed call 1)" in md
    assert "- irrelevance (1): irrelevance_error:decoder_success 1" in md
