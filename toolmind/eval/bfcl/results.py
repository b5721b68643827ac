"""Result directories and result files in the official BFCL layout, written incrementally.

Layout of one evaluation output folder ``OUT``::

    OUT/results/<model-key>/manifest.json                       model, settings, checkpoint fingerprint
    OUT/results/<model-key>/<SCORER_MODEL_DIR>/<group>/BFCL_v4_<category>_result.json
    OUT/score/...                                               official score files (rewritten per scoring)
    OUT/report.json, OUT/report.md, OUT/report.png

``<model-key>`` is the sanitized model id plus a content hash of everything that changes outputs (the
checkpoint's config/tokenizer files and weight-file sizes, backend, thinking, token budget), so two
checkpoints never share outputs. ``results/<model-key>`` is a valid official ``--result-dir``: the
official CLI can score it directly (``bfcl evaluate --model Qwen/Qwen3-8B-FC --result-dir ...``).
Each result file holds one JSON object per line with the official fields (``id``, ``result``, token
counts, latency, optional ``reasoning_content``). A rerun appends only the missing ids; a torn last
line (killed run) is dropped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path
from typing import Any

from toolmind.eval.bfcl.data import VERSION_PREFIX, category_group

logger = logging.getLogger(__name__)

#: Registry name whose official decoder (QwenFCHandler) scores our outputs; every backend's output is
#: normalised to Qwen FC text (<tool_call> blocks), so one decoder fits all.
SCORER_MODEL = "Qwen/Qwen3-8B-FC"
SCORER_MODEL_DIR = SCORER_MODEL.replace("/", "_")
_FINGERPRINT_FILES = (
    "config.json",
    "generation_config.json",
    "tokenizer_config.json",
    "chat_template.jinja",
    "adapter_config.json",
)


def sanitize_model_id(model: str) -> str:
    """A filesystem-safe, readable id for a model name or checkpoint path."""
    base = model.rstrip("/")
    if Path(base).exists():
        base = Path(base).resolve().name
    return re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("_")[:80] or "model"


def checkpoint_fingerprint(model: str) -> dict[str, Any]:
    """Describe a checkpoint directory cheaply but specifically (config hashes, weight sizes)."""
    path = Path(model)
    if not path.is_dir():
        return {"model": model}
    info: dict[str, Any] = {"path": str(path.resolve())}
    for name in _FINGERPRINT_FILES:
        f = path / name
        if f.is_file():
            info[name] = hashlib.sha256(f.read_bytes()).hexdigest()
    weights = sorted(p for p in path.iterdir() if p.suffix in (".safetensors", ".bin", ".pt", ".gguf"))
    info["weights"] = {p.name: p.stat().st_size for p in weights}
    for p in weights[:1]:  # head of the first shard distinguishes retrained weights of equal size
        with p.open("rb") as fh:
            info["weights_head"] = hashlib.sha256(fh.read(1 << 20)).hexdigest()
    return info


def model_key(model: str, settings: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return ``<sanitized-id>-<hash12>`` and the manifest it stands for."""
    manifest = {"model": model, "fingerprint": checkpoint_fingerprint(model), "settings": settings}
    digest = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()[:12]
    return f"{sanitize_model_id(model)}-{digest}", manifest


def open_run_dir(out: Path, model: str, settings: dict[str, Any]) -> Path:
    """Create (or reopen) the result dir of a model under ``out/results`` and check its manifest.

    Raises:
        RuntimeError: If the folder holds a different model's manifest (never reuse another's outputs).
    """
    key, manifest = model_key(model, settings)
    run_dir = out / "results" / key
    path = run_dir / "manifest.json"
    if path.is_file():
        existing = json.loads(path.read_text())
        if existing != manifest:
            raise RuntimeError(f"{path} describes a different model/settings; refusing to reuse its outputs")
    else:
        run_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return run_dir


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """The manifest of a result folder (model, checkpoint fingerprint, generation settings).

    Raises:
        ValueError: If `run_dir` is no result folder (names the file and what is missing).
    """
    path = run_dir / "manifest.json"
    if not path.is_file():
        raise ValueError(
            f"{path}: not found; a result folder is OUT/results/<model-key> as `toolmind eval bfcl` writes it"
        )
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: invalid JSON: {exc}") from exc
    for key in ("model", "fingerprint", "settings"):
        if not isinstance(manifest, dict) or key not in manifest:
            raise ValueError(f"{path}: the field {key!r} is missing")
    return dict(manifest)


def result_subdir(category: str) -> str:
    """Official sub-folder of a category (memory results and snapshots sit under agentic/memory/<kind>)."""
    base = category.removesuffix("_prereq")
    if base.startswith("memory_"):
        return f"agentic/memory/{base.removeprefix('memory_')}"
    return category_group(base)


def result_file(run_dir: Path, category: str) -> Path:
    """Path of a category's result file (official layout; ``memory_kv_prereq`` etc. allowed)."""
    return run_dir / SCORER_MODEL_DIR / result_subdir(category) / f"{VERSION_PREFIX}_{category}_result.json"


def load_results(path: Path) -> dict[str, dict[str, Any]]:
    """Read a result file; a torn (unparsable) last line is dropped from the file and logged.

    Raises:
        ValueError: On a bad line that is not the last one (names file and line).
    """
    if not path.is_file():
        return {}
    lines = path.read_text(encoding="utf-8").splitlines()
    out: dict[str, dict[str, Any]] = {}
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            if i == len(lines) - 1:
                logger.warning("%s: dropping torn last line %d (interrupted run)", path, i + 1)
                path.write_text("".join(ln + "\n" for ln in lines[:i]), encoding="utf-8")
                break
            raise ValueError(f"{path}:{i + 1}: invalid JSON: {exc}") from exc
        if not isinstance(row, dict) or "id" not in row or "result" not in row:
            raise ValueError(f"{path}:{i + 1}: a result line needs the fields 'id' and 'result'")
        out[row["id"]] = row
    return out


def append_results(path: Path, rows: list[dict[str, Any]]) -> None:
    """Append result rows (flushed line by line, so a killed run loses at most one line)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
            fh.flush()


def entry_sort_key(entry_id: str) -> tuple[str, int]:
    """Official ordering: by category, then by the leading index (``live_simple_3-1-0`` -> 3)."""
    category, index = entry_id.rsplit("_", 1)
    return category, int(index.split("-")[0])


def sort_result_file(path: Path) -> None:
    """Rewrite a result file ordered by id (as the official generator leaves it)."""
    rows = load_results(path)
    ordered = sorted(rows.values(), key=lambda r: entry_sort_key(r["id"]))
    path.write_text("".join(json.dumps(r) + "\n" for r in ordered), encoding="utf-8")
