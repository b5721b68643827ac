"""Crafted function/argument names must never execute in the scorer or the multi-turn executor."""

from __future__ import annotations

import json
from pathlib import Path

from toolmind.eval.bfcl.data import load_questions
from toolmind.eval.bfcl.multiturn import BackendExecutor
from toolmind.eval.bfcl.oracle import oracle_results
from toolmind.eval.bfcl.prompt import render_tool_calls
from toolmind.eval.bfcl.results import SCORER_MODEL, append_results, open_run_dir, result_file
from toolmind.eval.bfcl.score import score_run
from toolmind.eval.bfcl.scorer_env import run_worker


def _malicious_rows(marker: Path) -> list[dict]:
    """Oracle answers for two multi_turn_base entries with one extra malicious step each."""
    rows = oracle_results("multi_turn_base", {"multi_turn_base_0", "multi_turn_base_1"})
    by_name = render_tool_calls([{"name": "open", "arguments": {"file": str(marker), "mode": "w"}}])
    by_key = render_tool_calls(
        [{"name": "cd", "arguments": {f"folder=open({str(marker)!r}, 'w').close() or 'x', y": 1}}]
    )
    rows[0]["result"][0].insert(0, by_name)
    rows[1]["result"][0].insert(0, by_key)
    return rows


def test_official_scorer_alone_would_execute_it(tmp_path: Path) -> None:
    """Control: the hazard is real — unsanitized, the official checker opens the file."""
    marker = tmp_path / "pwned_by_name"
    result_dir = tmp_path / "raw"
    path = result_file(result_dir, "multi_turn_base")
    append_results(path, _malicious_rows(marker)[:1])
    args = [str(path.parents[2]), str(tmp_path / "score"), SCORER_MODEL, "multi_turn_base", "1"]
    run_worker("score.py", args, tmp_path / "root")
    assert marker.exists()


def test_scoring_rejects_malicious_names(tmp_path: Path) -> None:
    marker = tmp_path / "pwned_by_name"
    run_dir = open_run_dir(tmp_path / "out", "attacker", {})
    rows = _malicious_rows(marker)
    append_results(result_file(run_dir, "multi_turn_base"), rows)
    scored = score_run(run_dir, tmp_path / "out", {"multi_turn_base": [r["id"] for r in rows]}, partial=True)
    assert not marker.exists()
    assert not list(tmp_path.rglob("pwned*"))
    score = scored.scores["multi_turn_base"]
    assert (score.correct, score.total) == (0, 2)
    assert score.rejected_ids == ["multi_turn_base_0", "multi_turn_base_1"]
    # Counted wrong even where the sanitized answer would pass, in the object and in the folder.
    assert score.failed_ids == ["multi_turn_base_0", "multi_turn_base_1"]
    counted = json.loads((tmp_path / "out" / "score" / "counted_wrong.json").read_text())
    assert counted == {"multi_turn_base": ["multi_turn_base_0", "multi_turn_base_1"]}
    reasons = " ".join(r.reason for r in scored.rejections)
    assert "'open' is not offered" in reasons and "not an identifier" in reasons


def test_executor_refuses_unknown_names(tmp_path: Path) -> None:
    marker = tmp_path / "pwned_exec"
    entry = load_questions("multi_turn_base")[0]
    with BackendExecutor(tmp_path / "root") as ex:
        out = ex.execute(
            entry,
            [
                {"name": "open", "arguments": {"file": str(marker), "mode": "w"}},
                {"name": "cd", "arguments": {"folder": "document"}},
                {"name": "ls", "arguments": {}},
                {"name": "cd", "arguments": {"x=1, y": 2}},
            ],
        )
    assert not marker.exists()
    assert out[0] == "Error during execution: name 'open' is not defined"
    assert json.loads(out[1]) == {"current_working_directory": "document"}
    assert "final_report.pdf" in out[2]
    assert out[3] == "Error during execution: invalid argument names"
