"""The per-stage statistics as a rich table (used by the CLI)."""

from __future__ import annotations

from typing import Any

from rich.table import Table


def _top(reasons: dict[str, int], n: int = 4) -> str:
    return ", ".join(f"{k} {v}" for k, v in list(reasons.items())[:n])


def stats_table(manifest: dict[str, Any]) -> Table:
    """One row per stage: records in/out, dropped, masked turns, main reasons."""
    judge = manifest.get("judge", {}).get("model", "-")
    table = Table(title=f"toolmind filter (judge: {judge})")
    for col in ("stage", "level", "in", "out", "dropped", "turns masked", "main reasons"):
        table.add_column(col, justify="right" if col in ("in", "out", "dropped", "turns masked") else "left")
    for row in manifest["stats"]["stages"]:
        masked = f"{row['turns_masked']}/{row['turns_in']}" if "turns_masked" in row else "-"
        reasons = _top(row.get("mask_reasons") or row.get("drop_reasons") or {})
        table.add_row(
            row["stage"], row["level"], str(row["in"]), str(row["out"]), str(row["dropped"]), masked, reasons
        )
    return table
