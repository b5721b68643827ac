"""Killing `toolmind pipeline` mid-synthesis and mid-training, then rerunning it, loses no finished work.

The pipeline runs as a real `toolmind pipeline` process group (scripted synthesis, tiny Qwen3 training);
it is SIGKILLed, as a dead machine or a Ctrl-C'd terminal would stop it, once partial output is on disk.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _config(tmp_path: Path, model_dir: Path) -> Path:
    pipeline = {
        "name": "resume",
        "run_dir": str(tmp_path / "run"),
        "seed": 0,
        "graph_args": {"embedder": "lexical", "cache-dir": str(tmp_path / "emb")},
        # Enough chains that scripted synthesis is still writing when the first lines are on disk.
        "chains": 1200,
        "synth_config": str(ROOT / "recipes/synth/default.yaml"),
        "synth_args": {"concurrency": 4},
        "base_model": str(model_dir),
        "train_config": str(ROOT / "recipes/tiny/sft/config_tiny.yaml"),
        "train_args": {"max_steps": 24, "save_steps": 4, "logging_steps": 1, "save_total_limit": 2},
        "bfcl": None,
        "evaluate_base": False,
    }
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(pipeline))
    return path


def _start(config: Path, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "toolmind.cli", "pipeline", "--config", str(config)],
        cwd=ROOT,
        stdout=open(log, "ab"),  # the child owns it
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so the kill reaches the stage subprocess too
    )


def _kill_when(proc: subprocess.Popen[bytes], ready: Callable[[], bool], what: str, timeout: float) -> None:
    deadline = time.time() + timeout
    while not ready():
        assert proc.poll() is None, f"the pipeline ended before {what}"
        assert time.time() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _lines(path: Path) -> int:
    return sum(1 for _ in open(path, encoding="utf-8")) if path.exists() else 0


def _checkpoints(train: Path) -> list[Path]:
    # A checkpoint counts once its trainer state is written (the last file the Trainer saves).
    return [p for p in train.glob("checkpoint-*") if (p / "trainer_state.json").exists()]


def test_killed_pipeline_resumes_synthesis_and_training(tmp_path: Path, tiny_qwen3_dir: Path) -> None:
    config = _config(tmp_path, tiny_qwen3_dir)
    run = tmp_path / "run"
    log = tmp_path / "pipeline.log"

    # 1. Kill during synthesis, once some trajectories are on disk.
    synth_out = run / "synth" / "trajectories.jsonl"
    proc = _start(config, log)
    _kill_when(proc, lambda: _lines(synth_out) >= 20, "synthesis output", timeout=300)
    written = _lines(synth_out)
    assert not (run / "synth" / ".stage.json").exists()

    # 2. Rerun: synthesis resumes (keeping what it wrote); kill again once training has a checkpoint.
    train = run / "train"
    proc = _start(config, log)
    _kill_when(proc, lambda: bool(_checkpoints(train)), "a training checkpoint", timeout=300)
    synth_record = json.loads((run / "synth" / ".stage.json").read_text())
    assert synth_record["resumed"] is True
    ids = [json.loads(line)["id"] for line in synth_out.read_text(encoding="utf-8").splitlines()]
    assert len(ids) == len(set(ids)) >= written  # nothing lost, nothing written twice
    counts = json.loads((run / "synth" / "manifest.json").read_text())["counts"]
    assert counts["already_done"] > 0 and counts["planned"] == len(ids) + counts["failed"]
    assert not (train / ".stage.json").exists()
    done_steps = max(int(p.name.split("-")[1]) for p in _checkpoints(train))

    # 3. Rerun to the end: finished stages are skipped, training resumes from its checkpoint.
    result = subprocess.run(
        [sys.executable, "-m", "toolmind.cli", "pipeline", "--config", str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    output = result.stdout + result.stderr
    for stage in ("graph", "chains", "synth", "filter", "data"):
        assert f"stage {stage:<12} up to date, skipped" in output, stage
    train_record = json.loads((train / ".stage.json").read_text())
    assert train_record["resumed"] is True
    summary = json.loads((train / "toolmind_train.json").read_text())
    assert summary["resumed_from"].startswith(str(train / "checkpoint-"))
    assert int(summary["resumed_from"].rsplit("-", 1)[1]) >= done_steps
    steps = [e["step"] for e in summary["log_history"] if "loss" in e]
    assert steps[-1] == 24 and steps == sorted(set(steps))
    # The run's manifest lists each stage's recorded key (what the next run compares against).
    manifest = json.loads((run / "manifest.json").read_text())
    for name, entry in manifest["stages"].items():
        assert entry["key"] == json.loads((Path(entry["out"]) / ".stage.json").read_text())["key"], name
