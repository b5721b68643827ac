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
