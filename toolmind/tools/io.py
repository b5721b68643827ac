"""Load tool pools from files or folders in any supported format, with a report of what was dropped.

`load_tools` never stops at a bad record or tool: each one becomes an entry of `ImportReport.skipped`
naming file, line, tool and reason. Identical tools are kept once (`duplicates`); tools that share a
name but differ get a numbered suffix (`renamed`), because graph node ids are tool names.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolmind.schema import ToolSpec, write_jsonl
from toolmind.tools.formats import FORMATS, READERS, detect_format, write_record
from toolmind.tools.normalize import ToolFormatError, pairs_hook, to_toolspec

log = logging.getLogger(__name__)

TOOL_FILE_SUFFIXES = (".jsonl", ".json")


@dataclass
class ImportReport:
    """The outcome of an import: kept tools and every dropped or changed one, with the reason."""

    tools: list[ToolSpec] = field(default_factory=list)
    # (source, reason): source is "file:line" or "file:line tool i (name)".
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # (source, name) of identical copies that were dropped.
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    # (old name, new name) for same-name tools with different specs.
    renamed: list[tuple[str, str]] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)  # file -> detected format
    records: int = 0

    def summary(self) -> dict[str, int]:
        return {
            "records": self.records,
            "tools": len(self.tools),
            "skipped": len(self.skipped),
            "duplicates": len(self.duplicates),
            "renamed": len(self.renamed),
        }


def tool_fingerprint(tool: ToolSpec) -> str:
    """Hash of a tool's canonical JSON; identical tools share it."""
    blob = json.dumps(tool.model_dump(exclude_none=True), sort_keys=True, ensure_ascii=False)
    return hashlib.sha1(blob.encode("utf-8")).hexdigest()


def _iter_records(path: Path) -> Iterator[tuple[int, Any]]:
    """(line, value) per record; a JSON file holding a list yields its items (line = item index + 1)."""
    text = path.read_text(encoding="utf-8")
    stripped = text.lstrip()
    if path.suffix == ".json" or stripped.startswith("["):
        try:
            value = json.loads(text, object_pairs_hook=pairs_hook)
        except json.JSONDecodeError as exc:
            yield exc.lineno, ToolFormatError(f"invalid JSON ({exc.msg} at column {exc.colno})")
            return
        if isinstance(value, list):
            items = value
        elif isinstance(value, dict) and isinstance(value.get("tools"), list) and len(value) == 1:
            items = value["tools"]  # {"tools": [...]}: a plain list of tool specs
        else:
            items = [value]
        yield from enumerate(items, start=1)
        return
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield lineno, json.loads(line, object_pairs_hook=pairs_hook)
        except json.JSONDecodeError as exc:
            yield lineno, ToolFormatError(f"invalid JSON ({exc.msg} at column {exc.colno})")


def tool_files(path: str | os.PathLike[str]) -> list[Path]:
    """The tool files at `path`: the file itself, or every .json/.jsonl under a folder (sorted)."""
    p = Path(path)
    if p.is_dir():
        files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix in TOOL_FILE_SUFFIXES)
        if not files:
            raise FileNotFoundError(f"{p}: no .json or .jsonl tool files in this folder")
        return files
    if not p.exists():
        raise FileNotFoundError(f"{p}: no such tool file")
    return [p]


class _Pool:
    """Accumulates tools with dedupe and renaming."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.by_name: dict[str, str] = {}  # name -> fingerprint
        self.seen: set[str] = set()

    def add(self, tool: ToolSpec, source: str) -> None:
        fp = tool_fingerprint(tool)
        if fp in self.seen:
            self.report.duplicates.append((source, tool.name))
            return
        name = tool.name
        if name in self.by_name:
            k = 2
            while f"{name}_{k}" in self.by_name:
                k += 1
            new = f"{name}_{k}"
            tool = tool.model_copy(update={"function": tool.function.model_copy(update={"name": new})})
            self.report.renamed.append((name, new))
        self.seen.add(fp)
        self.by_name[tool.name] = fp
        self.report.tools.append(tool)


def load_tools(path: str | os.PathLike[str], fmt: str | None = None) -> ImportReport:
    """Read every tool under `path` (a file or folder) in format `fmt` (auto-detected per file if None)."""
    if fmt is not None and fmt not in FORMATS:
        raise ValueError(f"unknown tool format {fmt!r}; choose one of {', '.join(FORMATS)}")
    report = ImportReport()
    pool = _Pool(report)
    for file in tool_files(path):
        file_fmt = fmt
        for line, record in _iter_records(file):
            report.records += 1
            where = f"{file}:{line}"
            if isinstance(record, ToolFormatError):
                report.skipped.append((where, str(record)))
                continue
            if not isinstance(record, dict):
                report.skipped.append((where, f"expected a JSON object, got {type(record).__name__}"))
                continue
            try:
                file_fmt = file_fmt or detect_format(record)
                raw_tools = READERS[file_fmt](record)
            except ToolFormatError as exc:
                report.skipped.append((where, str(exc)))
                continue
            report.formats[str(file)] = file_fmt
            for i, raw in enumerate(raw_tools):
                name = raw.get("name") if isinstance(raw, dict) else None
                if isinstance(raw, dict) and isinstance(raw.get("function"), dict):
                    name = raw["function"].get("name")
                source = f"{where} tool {i}" + (f" ({name})" if isinstance(name, str) else "")
                try:
                    pool.add(to_toolspec(raw), source)
                except ToolFormatError as exc:
                    report.skipped.append((source, str(exc)))
    log.info("imported %s", report.summary())
    return report


def save_tools(path: str | os.PathLike[str], tools: list[ToolSpec]) -> int:
    """Write tools as toolspec JSONL (one `ToolSpec` per line)."""
    return write_jsonl(path, tools)


def export_tools(path: str | os.PathLike[str], tools: list[ToolSpec], fmt: str) -> int:
    """Write tools in another format (JSONL of that format's records); returns the record count."""
    records = write_record(tools, fmt)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return len(records)
