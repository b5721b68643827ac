"""The filters on real scripted-synthesizer output with error injection (slow: runs `toolmind synth`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolmind.cli import main
from toolmind.filter.config import FilterConfig
from toolmind.filter.pipeline import run_filter


def _records(path: Path) -> dict[str, dict]:
    return {r["id"]: r for r in map(json.loads, path.read_text().splitlines())} if path.exists() else {}


@pytest.mark.slow
def test_injected_errors_caught_and_clean_data_kept(tmp_path: Path) -> None:
    synth = tmp_path / "synth"
    assert (
        main(["synth", "--config", "recipes/synth/default.yaml", "--out", str(synth), "--limit", "200"]) == 0
    )
    run_filter(synth, tmp_path / "out", FilterConfig())
    source = _records(synth / "trajectories.jsonl")
    kept, dropped = (
        _records(tmp_path / "out" / "trajectories.jsonl"),
        _records(tmp_path / "out" / "dropped.jsonl"),
    )
    errors = caught = clean = clean_kept = 0
    for tid, rec in source.items():
        injected = rec["meta"].get("injected_errors") or []
        for e in injected:
            errors += 1
            labels = {lab["message_index"]: lab for lab in kept.get(tid, {}).get("labels", [])}
            caught += tid in dropped or not labels[e["message_index"]]["train"]
        if not injected and not rec["meta"].get("injected_trajectory_defects"):
            clean += 1
            clean_kept += tid in kept
    assert errors > 10 and caught / errors >= 0.95
    assert clean_kept / clean >= 0.90
