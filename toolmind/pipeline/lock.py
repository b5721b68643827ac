"""One run at a time per run directory.

Two pipelines (or ablations) in one directory would run the same stages into the same outputs and
overwrite each other's manifests. The lock is an advisory `flock` on `<run_dir>/.lock`: the kernel drops
it when the holder exits, however it exits, so a killed run never leaves a stale lock behind and the
rerun resumes at once.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = ".lock"


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
            holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip() or "unknown"
            raise RunLockedError(
                f"{run_dir} is in use by another run ({holder}); wait for it to finish or stop it — "
                "two runs in one directory would overwrite each other's stages"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(
            fd, f"pid {os.getpid()}, since {time.strftime('%H:%M:%S')}: {' '.join(sys.argv)}\n".encode(), 0
        )
        yield path
    finally:
        # Closing the descriptor releases the lock; the file stays (removing it would race a waiter).
        os.close(fd)
