"""The scorer child's project root: where the official package writes at import."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolmind.eval.bfcl.oracle import oracle_results
from toolmind.eval.bfcl.results import append_results, open_run_dir, result_file
from toolmind.eval.bfcl.score import score_run


def test_relative_output_dir_is_not_nested_in_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A relative `out` (the pipeline passes `runs/<name>/eval/...`) scores in place, with no copy of the
    path created inside the scorer's root (the child runs with cwd = its root)."""
    monkeypatch.chdir(tmp_path)
    out = Path("runs/x/eval")
    run_dir = open_run_dir(out / "results", "oracle", {})
    rows = oracle_results("simple_python", {"simple_python_0", "simple_python_1"})
    append_results(result_file(run_dir, "simple_python"), rows)
    scored = score_run(run_dir, out, {"simple_python": [r["id"] for r in rows]}, partial=True)
    score = scored.scores["simple_python"]
    assert (score.correct, score.total) == (2, 2)
    assert (out / "score").is_dir()
    nested = [p for p in (out / ".bfcl").rglob("*") if p.is_dir() and p.name == "runs"]
    assert nested == []
