"""The embedded default tool pool shipped with the package.

390 tools over 31 domains (travel, hotels, maps, weather, calendar, messaging, files, banking, retail,
health, sports, math, utilities, ...), written for toolmind from the compact specification in `toolmind/tools/data/`
(see `toolmind.tools.pool_build`). None of them is taken from BFCL or τ-bench, which are test sets.
"""

from __future__ import annotations

from functools import lru_cache

from toolmind.schema import ToolSpec, read_jsonl
from toolmind.tools.pool_build import POOL_FILE, domains_of


@lru_cache(maxsize=1)
def _load() -> tuple[ToolSpec, ...]:
    result = read_jsonl(POOL_FILE, ToolSpec, strict=True)
    return tuple(result.records)


def load_default_pool() -> list[ToolSpec]:
    """The default pool as fresh `ToolSpec` copies (callers may modify them)."""
    return [tool.model_copy(deep=True) for tool in _load()]


def default_pool_domains() -> dict[str, str]:
    """tool name -> domain of the default pool."""
    return domains_of()
