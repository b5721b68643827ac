"""One run per run directory: a second run is refused at once, a killed run leaves no stale lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from toolmind.cli import main
from toolmind.pipeline.lock import RunLockedError, run_lock

_HOLDER = """
import sys, time
from pathlib import Path
from toolmind.pipeline.lock import run_lock
with run_lock(Path(sys.argv[1])):
    Path(sys.argv[2]).write_text("held")
    time.sleep(120)
"""


def _hold(run_dir: Path, tmp_path: Path) -> subprocess.Popen[bytes]:
    ready = tmp_path / "ready"
    proc = subprocess.Popen([sys.executable, "-c", _HOLDER, str(run_dir), str(ready)])
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert proc.poll() is None, "lock holder exited early"
        assert time.monotonic() < deadline, "lock holder never took the lock"
        time.sleep(0.05)
    return proc


def test_second_run_is_refused_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_dir = tmp_path / "run"
    holder = _hold(run_dir, tmp_path)
    try:
        with pytest.raises(RunLockedError, match=f"pid {holder.pid}"), run_lock(run_dir):
            pass
        rc = main(["pipeline", "--config", "recipes/pipelines/demo.yaml", "--run-dir", str(run_dir)])
        assert rc == 1
        assert f"pid {holder.pid}" in capsys.readouterr().err
        assert sorted(p.name for p in run_dir.iterdir()) == [".lock"]
    finally:
        holder.kill()
        holder.wait()


def test_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    holder = _hold(run_dir, tmp_path)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    with run_lock(run_dir) as path:
        assert f"pid {os.getpid()}" in path.read_text()


_MACHINE_HOLDER = """
import sys, time
from pathlib import Path
from toolmind.pipeline.lock import machine_run
with machine_run(Path(sys.argv[1])):
    Path(sys.argv[2]).write_text("held")
    time.sleep(120)
"""


def test_other_live_runs_are_named_and_dead_ones_forgotten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from toolmind.pipeline.lock import ACTIVE_RUNS_ENV, active_runs_dir, machine_run

    monkeypatch.setenv(ACTIVE_RUNS_ENV, str(tmp_path / "active"))
    ready = tmp_path / "ready"
    other = subprocess.Popen([sys.executable, "-c", _MACHINE_HOLDER, str(tmp_path / "other-run"), str(ready)])
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert other.poll() is None and time.monotonic() < deadline, "the other run never registered"
            time.sleep(0.05)
        with caplog.at_level("WARNING"), machine_run(tmp_path / "mine") as others:
            assert len(others) == 1 and f"pid {other.pid}" in others[0] and "other-run" in others[0]
            assert f"pid {other.pid}" in caplog.text
            assert len(list(active_runs_dir().glob("*.lock"))) == 2
    finally:
        os.kill(other.pid, signal.SIGKILL)
        other.wait()
    # The killed run's file is still there, but nobody holds it: not listed, and removed.
    assert len(list(active_runs_dir().glob("*.lock"))) == 1
    with machine_run(tmp_path / "mine") as others:
        assert others == []
    assert list(active_runs_dir().iterdir()) == []  # our own file goes when the block ends
