"""The official scorer's own Python environment (`.venv-bfcl`), run as child processes.

bfcl-eval pins numpy 1.26.4 and filelock 3.20.0, which clash with our training stack, so everything that
imports `bfcl_eval` (the scorer, the simulated multi-turn backends, the prompt cross-check) runs in a
separate interpreter. Each call is a fresh process: the multi-turn checker keeps backend instances in
module globals, so reusing a process would score against stale state.
"""

from __future__ import annotations

import logging
import os
import subprocess
from pathlib import Path

logger = logging.getLogger(__name__)

#: Environment variable naming the scorer interpreter explicitly.
PYTHON_ENV_VAR = "TOOLMIND_BFCL_PYTHON"
_WORKERS = Path(__file__).with_name("workers")


class ScorerEnvError(RuntimeError):
    """The scorer environment is missing or a child process failed."""


def scorer_python() -> Path:
    """Locate the interpreter of the BFCL scorer environment.

    Order: ``$TOOLMIND_BFCL_PYTHON``, ``./.venv-bfcl`` in the working directory, then ``.venv-bfcl`` next
    to the toolmind source tree (editable installs).

    Raises:
        ScorerEnvError: If none exists (the message says how to create it).
    """
    candidates: list[Path] = []
    if os.environ.get(PYTHON_ENV_VAR):
        candidates.append(Path(os.environ[PYTHON_ENV_VAR]))
    candidates.append(Path.cwd() / ".venv-bfcl" / "bin" / "python")
    candidates.append(Path(__file__).resolve().parents[3] / ".venv-bfcl" / "bin" / "python")
    for path in candidates:
        if path.is_file():
            return path
    tried = ", ".join(str(p) for p in candidates)
    raise ScorerEnvError(
        f"BFCL scorer environment not found (tried {tried}); run `make install-bfcl` or set {PYTHON_ENV_VAR}"
    )


def worker_script(name: str) -> Path:
    """Path of a worker script shipped with this package (run only by the scorer interpreter)."""
    path = _WORKERS / name
    if not path.is_file():
        raise ScorerEnvError(f"missing worker script {path}")
    return path


def child_env(project_root: Path) -> dict[str, str]:
    """Environment for a scorer child: its own project root, no API keys, offline, single-threaded BLAS."""
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_TOKEN"))}
    env.update(
        # Absolute: the child runs with cwd=project_root, so a relative root would resolve inside itself
        # (bfcl-eval made an empty `root/<run dir>/.bfcl/root/` tree at import in every demo run).
        BFCL_PROJECT_ROOT=str(project_root.resolve()),
        PYTHONDONTWRITEBYTECODE="1",
        TOKENIZERS_PARALLELISM="false",
        OMP_NUM_THREADS="1",
        HF_HUB_OFFLINE="1",
    )
    env.pop("PYTHONPATH", None)
    return env


def run_worker(name: str, args: list[str], project_root: Path, *, timeout: float | None = None) -> str:
    """Run a worker script in the scorer environment and return its stdout.

    Args:
        name: File name of the worker in ``toolmind/eval/bfcl/workers/``.
        args: Command-line arguments.
        project_root: ``BFCL_PROJECT_ROOT`` for the child (the official package writes ``result/`` and
            ``score/`` there at import).
        timeout: Seconds before the child is killed.

    Raises:
        ScorerEnvError: On a non-zero exit (stderr tail included).
    """
    project_root.mkdir(parents=True, exist_ok=True)
    cmd = [str(scorer_python()), str(worker_script(name)), *args]
    logger.debug("running %s", " ".join(cmd))
    proc = subprocess.run(
        cmd, capture_output=True, text=True, env=child_env(project_root), timeout=timeout, cwd=project_root
    )
    if proc.returncode != 0:
        tail = proc.stderr[-4000:]
        raise ScorerEnvError(f"{name} failed with exit code {proc.returncode}:\n{tail}")
    if proc.stderr:
        logger.debug("%s stderr: %s", name, proc.stderr[-2000:])
    return proc.stdout


def popen_worker(name: str, args: list[str], project_root: Path, *, log: Path) -> subprocess.Popen[str]:
    """Start a long-lived worker speaking JSON lines on stdin/stdout (the multi-turn executor).

    Its stderr (official backends' prints, tracebacks) goes to `log`.
    """
    project_root.mkdir(parents=True, exist_ok=True)
    cmd = [str(scorer_python()), str(worker_script(name)), *args]
    with log.open("a") as err:
        return subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            env=child_env(project_root),
            cwd=project_root,
            bufsize=1,
        )
