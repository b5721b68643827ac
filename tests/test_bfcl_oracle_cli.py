"""`toolmind eval bfcl --model oracle` against the official CLI on the same outputs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from toolmind.cli import main as toolmind_main
from toolmind.eval.bfcl.results import SCORER_MODEL
from toolmind.eval.bfcl.scorer_env import child_env, scorer_python


def _official_cli(stage: Path, categories: list[str], tmp: Path) -> dict[str, tuple[int, int]]:
    bfcl = scorer_python().parent / "bfcl"
    score = tmp / "official_score"
    cmd = [
        str(bfcl),
        "evaluate",
        "--model",
        SCORER_MODEL,
        "--test-category",
        ",".join(categories),
        "--result-dir",
        str(stage),
        "--score-dir",
        str(score),
    ]
    (tmp / "root").mkdir(exist_ok=True)
    subprocess.run(cmd, check=True, capture_output=True, env=child_env(tmp / "root"), cwd=tmp / "root")
    out = {}
    for path in score.rglob("BFCL_v4_*_score.json"):
        header = json.loads(path.read_text().splitlines()[0])
        out[path.name.removeprefix("BFCL_v4_").removesuffix("_score.json")] = (
            header["correct_count"],
            header["total_count"],
        )
    return out


def _run(categories: list[str], tmp: Path) -> dict:
    out = tmp / "oracle"
    assert (
        toolmind_main(
            ["eval", "bfcl", "--model", "oracle", "--categories", ",".join(categories), "--out", str(out)]
        )
        == 0
    )
    report = json.loads((out / "report.json").read_text())
    assert (out / "report.md").read_text().startswith("# BFCL-v4: oracle")
    assert (out / "report.png").stat().st_size > 1000
    official = _official_cli(out / ".bfcl" / "result", categories, tmp)
    ours = {c: (v["correct"], v["total"]) for c, v in report["categories"].items()}
    assert ours == official
    return report


def test_oracle_subset_matches_official_cli(tmp_path: Path) -> None:
    cats = ["simple_python", "irrelevance", "live_relevance", "multi_turn_base"]
    report = _run(cats, tmp_path)
    assert report["categories"]["simple_python"] == {
        "accuracy": 1.0,
        "correct": 400,
        "total": 400,
        "ci95": pytest.approx([0.9905, 1.0], abs=1e-4),
        "rejected_unsafe": 0,
        "error_types": {},  # the gold answers fail nothing
        "no_call": 0,
        "unparsed_call": 0,
    }
    assert report["categories"]["multi_turn_base"]["accuracy"] == 1.0
    assert report["overall"]["missing"] and report["overall"]["v4"] < report["overall"]["over_run"]
    assert report["not_run"]["live_simple"] == "not requested"


@pytest.mark.slow
def test_oracle_all_matches_official_cli(tmp_path: Path) -> None:
    from toolmind.eval.bfcl.data import ALL_CATEGORIES

    report = _run(list(ALL_CATEGORIES), tmp_path)
    assert report["overall"]["missing"] == []
    assert report["overall"]["v4"] == pytest.approx(report["overall"]["official_csv"], abs=1e-4)
    assert report["categories"]["simple_python"]["accuracy"] == 1.0


@pytest.mark.slow
def test_lean_registry_entry_equals_official(tmp_path: Path) -> None:
    from toolmind.eval.bfcl.scorer_env import run_worker

    run_worker("score.py", ["--check-registry", SCORER_MODEL], tmp_path)
