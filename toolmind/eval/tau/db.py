"""Copy-on-write domain database with a canonical content hash.

A τ² database is a JSON object of tables (`{"orders": {id: record}, ...}`). Episodes never copy the whole
database: `EpisodeDB` reads through to the shared, read-only `BaseDB` and deep-copies a record only when a
tool first writes to it. The grading hash is content-based and canonical (key order and int-vs-float
spelling of numbers do not matter), and it is cheap: per-record digests of the base are computed once and
only touched records are re-hashed per episode.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from typing import Any

Record = dict[str, Any]


def canonical(value: Any) -> Any:
    """Normalise a JSON value for hashing: every number becomes a float (`100` == `100.0`)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    raise TypeError(f"value of type {type(value).__name__} is not JSON data")


def record_digest(record: Any) -> str:
    """sha256 of the canonical JSON of one record."""
    text = json.dumps(canonical(record), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class BaseDB:
    """The initial database of a domain, shared read-only by every episode."""

    def __init__(self, tables: dict[str, dict[str, Any]]) -> None:
        self.tables = tables
        self._digests: dict[str, dict[str, str]] | None = None

    def digests(self) -> dict[str, dict[str, str]]:
        """Per-record digests, computed on first use and cached."""
        if self._digests is None:
            self._digests = {
                name: {key: record_digest(rec) for key, rec in table.items()}
                for name, table in self.tables.items()
            }
        return self._digests

    def episode(self) -> EpisodeDB:
        """A fresh, independent episode state over this base."""
        return EpisodeDB(self)


_MISSING = object()


class EpisodeDB:
    """One episode's view of the database: the base plus the records this episode wrote."""

    def __init__(self, base: BaseDB) -> None:
        self.base = base
        self._own: dict[str, dict[str, Any]] = {}

    def tables(self) -> list[str]:
        return list(self.base.tables)

    def get(self, table: str, key: str) -> Any | None:
        """The current record (do not mutate it: use `mut`), or None when absent."""
        own = self._own.get(table)
        if own is not None and key in own:
            return own[key]
        return self.base.tables[table].get(key)

    def has(self, table: str, key: str) -> bool:
        return self.get(table, key) is not None

    def mut(self, table: str, key: str) -> Any:
        """The record for writing: deep-copied from the base on first write. KeyError when absent."""
        own = self._own.setdefault(table, {})
        if key not in own:
            base = self.base.tables[table].get(key, _MISSING)
            if base is _MISSING:
                raise KeyError(f"{table}/{key}")
            own[key] = copy.deepcopy(base)
        return own[key]

    def put(self, table: str, key: str, record: Any) -> None:
        """Insert or replace a record."""
        self._own.setdefault(table, {})[key] = record

    def keys(self, table: str) -> Iterator[str]:
        """Keys in base order, then keys this episode added."""
        base = self.base.tables[table]
        yield from base
        for key in self._own.get(table, {}):
            if key not in base:
                yield key

    def items(self, table: str) -> Iterator[tuple[str, Any]]:
        for key in self.keys(table):
            yield key, self.get(table, key)

    def touched(self) -> dict[str, list[str]]:
        """Keys of the records this episode wrote (possibly back to their original value)."""
        return {t: list(recs) for t, recs in self._own.items()}

    def hash(self) -> str:
        """Canonical content hash of the whole database (equal content ⇔ equal hash)."""
        digests = self.base.digests()
        h = hashlib.sha256()
        for table in sorted(self.base.tables):
            table_digests = dict(digests[table])
            for key, rec in self._own.get(table, {}).items():
                table_digests[key] = record_digest(rec)
            h.update(f"[{table}]\n".encode())
            for key in sorted(table_digests):
                h.update(f"{key}\0{table_digests[key]}\n".encode())
        return h.hexdigest()

    def materialize(self) -> dict[str, dict[str, Any]]:
        """The full database as one JSON object, same layout as the input `db.json`."""
        return {table: dict(self.items(table)) for table in self.base.tables}
