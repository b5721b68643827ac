"""One run at a time per run directory, and a warning when other runs share the machine.

Two pipelines (or ablations) in one directory would run the same stages into the same outputs and
overwrite each other's manifests. The lock is an advisory `flock` on `<run_dir>/.lock`: the kernel drops
it when the holder exits, however it exits, so a killed run never leaves a stale lock behind and the
rerun resumes at once.

Runs in *different* directories are allowed, but on a small CPU machine two of them share the cores and
each runs several times slower (4.5x seen on 2 cores, from thread oversubscription). Each run therefore
also holds a lock on its own file in a per-user directory (`active_runs_dir`); a starting run lists the
files it cannot lock, i.e. the live runs, and says so in its log. Nothing waits or fails on it.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = ".lock"
#: Overrides where live runs register (tests; machines whose temp dir is not shared by all runs).
ACTIVE_RUNS_ENV = "TOOLMIND_ACTIVE_RUNS_DIR"

logger = logging.getLogger(__name__)


class RunLockedError(RuntimeError):
    """The run directory is held by another live process."""


@contextmanager
def run_lock(run_dir: Path) -> Iterator[Path]:
    """Hold `run_dir`'s lock for the duration of the block.

    Raises:
        RunLockedError: Another process holds it (its pid and command are in the message).
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / LOCK_NAME
    # Opened without truncation: the holder's pid stays readable until we own the lock.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd) or "unknown"
            raise RunLockedError(
                f"{run_dir} is in use by another run ({holder}); wait for it to finish or stop it — "
                "two runs in one directory would overwrite each other's stages"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, (_describe() + "\n").encode(), 0)
        yield path
    finally:
        # Closing the descriptor releases the lock; the file stays (removing it would race a waiter).
        os.close(fd)


def _describe(run_dir: Path | None = None) -> str:
    """What a holder writes into its lock file: pid, start time, [run dir,] command."""
    where = f", {run_dir}" if run_dir else ""
    return f"pid {os.getpid()}, since {time.strftime('%H:%M:%S')}{where}: {' '.join(sys.argv)}"


def _holder(fd: int) -> str:
    """The description a lock file's holder wrote ('' when none)."""
    return os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()


def active_runs_dir() -> Path:
    """Where runs register: `$TOOLMIND_ACTIVE_RUNS_DIR`, else `<tmp>/toolmind-<uid>/active-runs`."""
    env = os.environ.get(ACTIVE_RUNS_ENV)
    return Path(env) if env else Path(tempfile.gettempdir()) / f"toolmind-{os.getuid()}" / "active-runs"


def live_runs(directory: Path) -> list[str]:
    """The descriptions of the runs registered in `directory` whose holder is alive; files left by dead
    runs are removed on the way."""
    out: list[str] = []
    for path in sorted(directory.iterdir()):
        if path.suffix not in (".lock", ".new"):
            continue
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            continue  # its run ended while we listed
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if path.suffix == ".lock":  # a ".new" one is a run registering right now: listed next time
                out.append(_holder(fd) or path.stem)
        else:
            path.unlink(missing_ok=True)  # nobody holds it: left by a run that was killed
        finally:
            os.close(fd)
    return out


@contextmanager
def machine_run(run_dir: Path) -> Iterator[list[str]]:
    """Register this run as live on the machine for the block; yields (and logs) the other live runs."""
    directory = active_runs_dir()
    directory.mkdir(parents=True, exist_ok=True)
    others = live_runs(directory)
    for other in others:
        logger.warning(
            "another toolmind run is active on this machine (%s); on a CPU-only machine the two share its "
            "cores and each runs several times slower (4.5x seen on 2 cores), with the same results",
            other,
        )
    path = directory / f"{os.getpid()}.lock"
    # Locked and written under another name, then renamed: a file with the listed suffix is always held
    # by a live run or left by a dead one, never a live run's file not locked yet.
    staging = directory / f"{os.getpid()}.new"
    fd = os.open(staging, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.pwrite(fd, _describe(run_dir).encode(), 0)
        os.replace(staging, path)
        yield others
    finally:
        path.unlink(missing_ok=True)
        staging.unlink(missing_ok=True)
        os.close(fd)
