"""Run pipeline stages as subprocesses, skip finished ones, resume killed ones.

Every stage is one `toolmind ...` (or `accelerate launch ...`) command writing into its own directory of
the run. A stage is *finished* when its directory holds `.stage.json` whose key matches the key computed
now; the key hashes the command line, the content of every input (upstream outputs and referenced
config files) and the toolmind code the command runs (`sources.py`). So a rerun skips unchanged stages
in seconds, a changed config, input or code reruns exactly the stages downstream of the change, and a
stage killed mid-way (no `.stage.json`) is started again with its command's own resume behaviour
(synthesis `--resume`, training from its last checkpoint, BFCL generating only the missing entries).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolmind.environment import machine
from toolmind.pipeline.sources import stage_code

logger = logging.getLogger(__name__)

STAGE_FILE = ".stage.json"
# Files above this size are hashed by size + head + tail: checkpoints are hundreds of MB and a full hash
# would make "skip finished stages in seconds" impossible; their safetensors headers differ anyway.
_FULL_HASH_LIMIT = 64 * 1024 * 1024
_PARTIAL_CHUNK = 1024 * 1024
_SKIP_NAMES = {STAGE_FILE, "logs", "__pycache__"}


class StageFailed(RuntimeError):
    """A stage's command exited non-zero."""


@dataclass
class Stage:
    """One step of the pipeline: a command, its output directory and what it depends on."""

    name: str
    argv: list[str]
    out: Path
    inputs: list[Path] = field(default_factory=list)
    # Extra argv appended when the stage directory holds partial work from a killed run.
    resume_argv: list[str] = field(default_factory=list)
    # Values that change the stage's output but are not visible in argv (e.g. environment).
    extra_key: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    description: str = ""


def _hash_file(path: Path, h: Any) -> None:
    size = path.stat().st_size
    h.update(f"{size}:".encode())
    with open(path, "rb") as fh:
        if size <= _FULL_HASH_LIMIT:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        else:
            h.update(fh.read(_PARTIAL_CHUNK))
            fh.seek(-_PARTIAL_CHUNK, os.SEEK_END)
            h.update(fh.read(_PARTIAL_CHUNK))


def content_hash(path: Path) -> str:
    """Hash of a file or a directory tree (names + content), ignoring logs and stage markers."""
    h = hashlib.sha256()
    if not path.exists():
        return "missing"
    if path.is_file():
        _hash_file(path, h)
        return h.hexdigest()
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_NAMES and not d.startswith("checkpoint-"))
        for name in sorted(files):
            if name in _SKIP_NAMES or name.endswith(".log"):
                continue
            p = Path(root) / name
            h.update(str(p.relative_to(path)).encode() + b"\0")
            _hash_file(p, h)
    return h.hexdigest()


PYTHON = "<python>"


def input_hashes(stage: Stage) -> dict[str, str]:
    return {str(p): content_hash(p) for p in stage.inputs}


def stage_key(stage: Stage, hashes: dict[str, str] | None = None) -> str:
    """Hash of the command, the inputs' contents (`hashes`, computed when not given), extra config and
    the toolmind code the command runs."""
    # The interpreter is keyed by name, not path: `.venv/bin/python` and `.venv/bin/python3.11` (what
    # the `toolmind` script runs under) are one interpreter, and spelling it differently must not
    # rerun a finished stage.
    argv = [PYTHON if a == sys.executable else a for a in stage.argv]
    return _key(
        argv, input_hashes(stage) if hashes is None else hashes, stage.extra_key, stage_code(stage.argv)
    )


def _key(argv: Sequence[str], hashes: dict[str, str], extra: Any, code: str | None) -> str:
    payload: dict[str, Any] = {"argv": list(argv), "inputs": hashes, "extra": extra}
    # A command that runs no toolmind module (a test's script) keeps the key it had before code was keyed.
    if code is not None:
        payload["code"] = code
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def is_finished(stage: Stage, key: str, hashes: dict[str, str] | None = None) -> bool:
    """Whether `stage.out` holds a finished run with this key (`hashes`: the inputs' hashes the key was
    made from, so that the check of an old record does not hash large inputs again)."""
    marker = stage.out / STAGE_FILE
    if not marker.exists():
        return False
    try:
        record = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return False
    if record.get("key") == key:
        return True
    return _legacy_match(stage, record, input_hashes(stage) if hashes is None else hashes)


def _legacy_match(stage: Stage, record: dict[str, Any], hashes: dict[str, str]) -> bool:
    """A stage finished before keys named the interpreter `<python>`: its key hashed the interpreter's
    path as spelt then. It counts as finished when that path is the same interpreter as ours."""
    old = record.get("argv")
    if not isinstance(old, list) or len(old) != len(stage.argv):
        return False
    for was, now in zip(old, stage.argv, strict=True):
        if was != now and not (now == sys.executable and os.path.realpath(was) == os.path.realpath(now)):
            return False
    return _key(old, hashes, stage.extra_key, stage_code(stage.argv)) == record.get("key")


def stage_record(out: Path) -> dict[str, Any]:
    marker = out / STAGE_FILE
    if not marker.exists():
        return {}
    data: dict[str, Any] = json.loads(marker.read_text(encoding="utf-8"))
    return data


def _recorded_code(marker: Path) -> str | None:
    try:
        code = json.loads(marker.read_text(encoding="utf-8")).get("code")
    except (OSError, json.JSONDecodeError, AttributeError):
        return None
    return code if isinstance(code, str) else None


def _run_command(argv: Sequence[str], log_path: Path, env: dict[str, str]) -> int:
    """Run argv, streaming its output to our stdout and to the stage log."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    full_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"$ {' '.join(argv)}\n")
        log.flush()
        proc = subprocess.Popen(
            list(argv),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=full_env,
            text=True,
            errors="replace",
            bufsize=1,
        )
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                sys.stdout.write(line)
                sys.stdout.flush()
                log.write(line)
            return proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            raise


def run_stage(stage: Stage, *, logs_dir: Path, force: bool = False) -> dict[str, Any]:
    """Run one stage unless it is finished with the same key. Returns its `.stage.json` record."""
    hashes = input_hashes(stage)
    key = stage_key(stage, hashes)
    code = stage_code(stage.argv)
    if not force and is_finished(stage, key, hashes):
        logger.info("stage %-12s up to date, skipped", stage.name)
        return stage_record(stage.out)
    if force and stage.out.exists():
        shutil.rmtree(stage.out)
    stale = stage.out / STAGE_FILE
    partial = stage.out.exists() and any(p.name != STAGE_FILE for p in stage.out.iterdir())
    if stale.exists():
        # Finished before, but with another key: inputs, config or code changed, so start over.
        if _recorded_code(stale) != code:
            logger.info("stage %-12s toolmind's code for it changed since it ran", stage.name)
        shutil.rmtree(stage.out)
        partial = False
    argv = stage.argv + (stage.resume_argv if partial else [])
    logger.info("stage %-12s %s%s", stage.name, "resuming: " if partial else "running: ", " ".join(argv))
    started = time.time()
    rc = _run_command(argv, logs_dir / f"{stage.name}.log", stage.env)
    seconds = time.time() - started
    if rc != 0:
        raise StageFailed(
            f"stage {stage.name!r} failed (exit code {rc}) after {seconds:.0f} s; "
            f"see {logs_dir / (stage.name + '.log')}. Rerun the pipeline to resume."
        )
    stage.out.mkdir(parents=True, exist_ok=True)
    record = {
        "stage": stage.name,
        "key": key,
        "code": code,
        "argv": argv,
        "inputs": [str(p) for p in stage.inputs],
        "seconds": round(seconds, 2),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "resumed": partial,
        # The same config gave other data and models on another machine: keep what this one was.
        "machine": machine(),
    }
    (stage.out / STAGE_FILE).write_text(json.dumps(record, indent=2), encoding="utf-8")
    logger.info("stage %-12s done in %.1f s", stage.name, seconds)
    return record


def invalidate_from(stages: Sequence[Stage], first: str) -> None:
    """`--from STAGE`: delete the outputs of `first` and every stage after it so they rerun fresh."""
    names = [s.name for s in stages]
    if first not in names:
        raise ValueError(f"unknown stage {first!r}; stages are: {', '.join(names)}")
    for stage in stages[names.index(first) :]:
        if stage.out.exists():
            logger.info("removing %s (rerun from %s)", stage.out, first)
            shutil.rmtree(stage.out)
