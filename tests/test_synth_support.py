"""Helpers for the synthesis tests (no tests here): chains built from the default pool by matching an
output field name of one tool to an input parameter of the next, as a stand-in for the graph sampler."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from toolmind.schema import Chain, ChainLink, ToolSpec, write_jsonl


def output_fields(tool: ToolSpec) -> set[str]:
    out: set[str] = set()

    def walk(schema: Any) -> None:
        if isinstance(schema, dict):
            for key, sub in (schema.get("properties") or {}).items():
                out.add(key)
                walk(sub)
            walk(schema.get("items"))

    walk(tool.returns or {})
    return out


def make_chains(pool: list[ToolSpec], n: int, seed: int = 0, max_len: int = 5) -> list[Chain]:
    rng = random.Random(seed)
    chains = []
    for k in range(n):
        cur = rng.choice(pool)
        tools, links = [cur.name], []
        for i in range(rng.randint(1, max_len - 1)):
            outs = output_fields(cur)
            options = [
                (t, p)
                for t in pool
                if t.name not in tools
                for p in t.function.parameters.get("properties", {})
                if p in outs
            ]
            if not options:
                break
            nxt, param = rng.choice(options)
            links.append(ChainLink(src=i, src_param=param, dst=i + 1, dst_param=param))
            tools.append(nxt.name)
            cur = nxt
        chains.append(Chain(id=f"c{k:05d}", tools=tools, links=links))
    return chains


def write_chains(path: Path, pool: list[ToolSpec], n: int, seed: int = 0) -> Path:
    write_jsonl(path, make_chains(pool, n, seed))
    return path
