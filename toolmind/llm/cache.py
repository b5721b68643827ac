"""On-disk response cache: one JSON file per request hash, safe for concurrent writers.

Entries live at ``<dir>/<key[:2]>/<key>.json``. A writer writes a private temporary file in the same
directory and renames it over the entry (`os.replace` is atomic on POSIX), so readers see either no
entry or a complete one, and concurrent writers of the same key (threads, processes, shards sharing
a directory) simply leave the last complete copy. A corrupt entry (disk full, manual edits) is
reported and treated as a miss.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def request_key(payload: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of `payload` (sorted keys, no whitespace)."""
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    """Maps request keys (see `request_key`) to JSON objects stored on disk."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored object, or None on a miss (or a corrupt entry, which is logged)."""
        path = self.path(key)
        try:
            with open(path, encoding="utf-8") as fh:
                value = json.load(fh)
        except FileNotFoundError:
            return None
        except (OSError, json.JSONDecodeError) as exc:
            log.warning("ignoring corrupt cache entry %s: %s", path, exc)
            return None
        if not isinstance(value, dict):
            log.warning("ignoring corrupt cache entry %s: not a JSON object", path)
            return None
        return value

    def put(self, key: str, value: dict[str, Any]) -> None:
        """Store `value` under `key` atomically (temp file + rename)."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(value, fh, ensure_ascii=False)
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()

    def __len__(self) -> int:
        return sum(1 for _ in self.directory.glob("*/*.json"))
