"""A synthesis run: chains in, `trajectories.jsonl` + `failed.jsonl` + `manifest.json` out.

- Chains come from a JSONL file or are sampled from the tool pool's graph; `--limit` keeps the first N,
  then `--num-shards N --shard-index I` keeps chains whose position is I modulo N. Every trajectory's
  content derives from (seed, chain id) only, so concatenated shards equal one unsharded run.
- Trajectories run concurrently (a fixed pool of `concurrency` workers); each finished record is appended
  as one complete, fsynced line (`JsonlAppender`), failures go to `failed.jsonl` with their reason.
- `resume=True` repairs a torn last line, skips ids already written and retries the rest (failed ones
  included), so a killed run finishes its planned set with no loss and no duplicates.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import json
import logging
import os
import platform
import random
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from toolmind import __version__
from toolmind.llm.base import LLMBackend
from toolmind.schema import Chain, JsonlAppender, ToolSpec, read_jsonl, repair_tail
from toolmind.synth import namespace, rename
from toolmind.synth.agents import Agent
from toolmind.synth.config import ROLES, SynthConfig, to_dict
from toolmind.synth.orchestrator import Agents, Outcome, run_trajectory
from toolmind.synth.plan import build_plan, trajectory_id
from toolmind.synth.summary import summarize

log = logging.getLogger(__name__)

TRAJECTORIES = "trajectories.jsonl"
FAILED = "failed.jsonl"
MANIFEST = "manifest.json"

EventHook = Callable[[str, Outcome | None, int], None]  # (kind: start|done|failed, outcome, total)


@dataclass
class ToolSource:
    """The tool pool a run draws on: specs by name, the pool list, domains when known, its hash."""

    tools: list[ToolSpec]
    domains: dict[str, str] | None
    digest: str
    specs: dict[str, ToolSpec] = field(init=False)

    def __post_init__(self) -> None:
        self.specs = {t.name: t for t in self.tools}


def load_tool_source(cfg: SynthConfig) -> ToolSource:
    if cfg.tools:
        from toolmind.tools.io import load_tools

        report = load_tools(cfg.tools)
        if not report.tools:
            raise ValueError(f"{cfg.tools}: no usable tools ({len(report.skipped)} skipped)")
        return ToolSource(report.tools, None, _file_digest(cfg.tools))
    return _default_source()


@lru_cache(maxsize=1)
def _default_source() -> ToolSource:
    """The embedded default pool, loaded once per process (runs never modify it)."""
    from toolmind.tools.pool import default_pool_domains, load_default_pool

    tools = load_default_pool()
    blob = "\n".join(t.model_dump_json() for t in tools)
    digest = "default-pool:" + hashlib.sha256(blob.encode()).hexdigest()[:16]
    return ToolSource(tools, default_pool_domains(), digest)


def load_chains(cfg: SynthConfig, source: ToolSource) -> tuple[list[Chain], str]:
    """The run's chains (in file/sample order) and a digest describing where they came from."""
    if cfg.chains:
        result = read_jsonl(cfg.chains, Chain, strict=True)
        chains, digest = result.records, _file_digest(cfg.chains)
    else:
        from toolmind.graph.build import build_graph
        from toolmind.graph.config import ChainConfig, GraphConfig, config_from_dict
        from toolmind.graph.sample import sample_chains

        graph = build_graph(source.tools, config_from_dict(GraphConfig, cfg.graph, "synth config: graph"))
        chain_cfg = config_from_dict(ChainConfig, cfg.sample, "synth config: sample")
        chains = sample_chains(graph, cfg.num_chains, cfg.seed, chain_cfg)
        options = json.dumps({"graph": cfg.graph, "sample": cfg.sample}, sort_keys=True)
        digest = f"sampled:{source.digest}:n={cfg.num_chains}:seed={cfg.seed}:{options}"
    seen: set[str] = set()
    for i, chain in enumerate(chains, start=1):
        if chain.id in seen:
            raise ValueError(f"{cfg.chains or 'sampled chains'}: record {i}: duplicate chain id {chain.id!r}")
        seen.add(chain.id)
    return chains, digest


def _file_digest(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    p = Path(path)
    files = sorted(x for x in p.rglob("*") if x.is_file()) if p.is_dir() else [p]
    for f in files:
        h.update(f.read_bytes())
    return "sha256:" + h.hexdigest()[:16]


def shard(chains: list[Chain], limit: int | None, num_shards: int, shard_index: int) -> list[Chain]:
    """The planned chains of one shard: the first `limit`, then every `num_shards`-th from `shard_index`."""
    if num_shards < 1 or not 0 <= shard_index < num_shards:
        raise ValueError(
            f"need num_shards >= 1 and 0 <= shard_index < num_shards, got {num_shards}, {shard_index}"
        )
    planned = chains[:limit] if limit is not None else chains
    return [c for i, c in enumerate(planned) if i % num_shards == shard_index]


def build_agents(cfg: SynthConfig, backends: dict[str, LLMBackend] | None = None) -> Agents:
    """One agent per role: `backends` overrides (tests, benchmarks), else `make_backend` from the config;
    scripted backends get the synthesis policies."""
    from toolmind.llm.factory import make_backend
    from toolmind.synth.scripted import POLICIES

    made: dict[str, Agent] = {}
    for role in ROLES:
        acfg = cfg.agents[role]
        backend = (backends or {}).get(role) or make_backend(acfg.llm, scripted_policy=POLICIES[role])
        made[role] = Agent(role, backend, acfg)
    return Agents(**made)


def existing_ids(path: Path) -> set[str]:
    """Ids of the complete records in a trajectories file (a torn last line is cut first)."""
    if not path.exists():
        return set()
    repair_tail(path)
    ids: set[str] = set()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                ids.add(json.loads(line)["id"])
    return ids


def write_manifest(out: Path, data: dict[str, Any]) -> None:
    tmp = out / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, out / MANIFEST)


@dataclass
class RunResult:
    out: Path
    planned: int
    resumed: int
    written: int
    failed: int
    seconds: float
    summary: dict[str, Any]


async def synthesize(
    cfg: SynthConfig,
    out: str | os.PathLike[str],
    *,
    resume: bool = False,
    limit: int | None = None,
    num_shards: int = 1,
    shard_index: int = 0,
    backends: dict[str, LLMBackend] | None = None,
    on_event: EventHook | None = None,
) -> RunResult:
    """Run (or resume) a synthesis run into `out`; see the module docstring."""
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    traj_path = out_dir / TRAJECTORIES
    config_hash = cfg.content_hash()
    run_key = {
        "config_hash": config_hash,
        "limit": limit,
        "num_shards": num_shards,
        "shard_index": shard_index,
    }
    if traj_path.exists() and traj_path.stat().st_size and not resume:
        raise FileExistsError(
            f"{traj_path} already exists: pass --resume to continue it, or choose another --out"
        )
    if resume and (out_dir / MANIFEST).exists():
        old = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8")).get("run", {})
        if old and old != run_key:
            raise ValueError(
                f"{out_dir / MANIFEST}: cannot resume a run made with {old}; this run is {run_key}"
            )
    source = load_tool_source(cfg)
    chains, chains_digest = load_chains(cfg, source)
    planned = shard(chains, limit, num_shards, shard_index)
    done = existing_ids(traj_path)
    todo = [c for c in planned if trajectory_id(cfg.seed, c.id) not in done]
    agents = build_agents(cfg, backends)
    started = time.time()
    manifest: dict[str, Any] = {
        "stage": "synth",
        "status": "running",
        "run": run_key,
        "config": to_dict(cfg),
        "versions": {"toolmind": __version__, "python": platform.python_version()},
        "inputs": {"chains": chains_digest, "tools": source.digest},
        "backends": agents.names(),
        "counts": {"planned": len(planned), "already_done": len(planned) - len(todo)},
    }
    write_manifest(out_dir, manifest)
    log.info(
        "synth: %d planned, %d already done, %d to run", len(planned), len(planned) - len(todo), len(todo)
    )
    counts = {"written": 0, "failed": 0}
    queue: asyncio.Queue[Chain] = asyncio.Queue()
    for chain in todo:
        queue.put_nowait(chain)
    with (
        JsonlAppender(traj_path) as good,
        JsonlAppender(out_dir / FAILED) as bad,
        _BatchWriter() as writer,
    ):

        async def worker() -> None:
            while True:
                try:
                    chain = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                outcome = await _one(chain, cfg, source, agents, config_hash)
                if outcome.trajectory is not None:
                    writer.add(good, outcome.trajectory)
                    counts["written"] += 1
                else:
                    writer.add(bad, _failure_record(chain, cfg, outcome))
                    counts["failed"] += 1
                if on_event:
                    on_event("done" if outcome.trajectory else "failed", outcome, len(todo))

        if on_event:
            on_event("start", None, len(todo))
        with _frozen_heap():
            await asyncio.gather(*(worker() for _ in range(min(cfg.concurrency, max(len(todo), 1)))))
        await writer.drain()
    seconds = time.time() - started
    summary = summarize(
        traj_path, out_dir / FAILED, planned_ids={trajectory_id(cfg.seed, c.id) for c in planned}
    )
    manifest.update(
        status="complete" if summary["trajectories"] == len(planned) else "incomplete",
        counts={**manifest["counts"], **counts, "trajectories": summary["trajectories"]},
        timing={
            "seconds": round(seconds, 3),
            "trajectories_per_s": round(counts["written"] / seconds, 3) if seconds else None,
        },
        summary=summary,
    )
    write_manifest(out_dir, manifest)
    return RunResult(
        out_dir, len(planned), len(planned) - len(todo), counts["written"], counts["failed"], seconds, summary
    )


# Allocations between young-generation collections while trajectories run (CPython's default is 700):
# a run allocates many short-lived objects per LLM call, most of them freed by reference counting.
GC_GEN0_THRESHOLD = 20_000


@contextlib.contextmanager
def _frozen_heap() -> Iterator[None]:
    """Keep the cyclic garbage collector off the start-up heap while trajectories run.

    After imports (litellm alone brings ~350k objects) every full collection rescans that whole heap,
    which measured ~0.5 ms of CPU per LLM call at high concurrency; the run itself allocates only
    short-lived objects. `gc.freeze()` moves what exists now to the permanent generation until the run ends.
    """
    thresholds = gc.get_threshold()
    gc.freeze()  # no gc.collect() first: a full pass over the start-up heap costs ~0.3 s per run
    gc.set_threshold(GC_GEN0_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


# Finished records are written by one thread in batches this often: the event loop never waits for a
# disk, each record is still one complete fsynced line, and a kill loses at most the records of the last
# interval, which a resume runs again.
FLUSH_INTERVAL_S = 0.05


class _BatchWriter:
    """Collects finished records and appends them from one writer thread, in batches."""

    def __init__(self) -> None:
        self._pending: list[tuple[JsonlAppender, Any]] = []
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="synth-writer")
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    def add(self, appender: JsonlAppender, record: Any) -> None:
        self._pending.append((appender, record))

    @staticmethod
    def _write(batch: list[tuple[JsonlAppender, Any]]) -> None:
        for appender, record in batch:
            appender.append(record)

    async def _flush(self) -> None:
        batch, self._pending = self._pending, []
        if batch:
            # shielded: cancelling the flusher never cancels a batch that was handed to the thread
            await asyncio.shield(asyncio.get_running_loop().run_in_executor(self._pool, self._write, batch))

    async def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), FLUSH_INTERVAL_S)
            await self._flush()

    async def drain(self) -> None:
        """Let the periodic flush finish (never cancel a batch in flight), then write what is left."""
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None
        await self._flush()

    def __enter__(self) -> _BatchWriter:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
        self._pool.shutdown(wait=True)  # batches already handed over are written
        batch, self._pending = self._pending, []
        self._write(batch)  # and so is whatever finished after the last flush


async def _one(
    chain: Chain, cfg: SynthConfig, source: ToolSource, agents: Agents, config_hash: str
) -> Outcome:
    try:
        plan = build_plan(chain, source.specs, source.tools, cfg, source.domains)
    except (ValueError, KeyError) as exc:
        return Outcome(None, "bad_chain", str(exc))
    outcome = await run_trajectory(plan, agents, cfg, config_hash)
    if (
        outcome.trajectory is not None
        and source.domains
        and namespace.chosen(cfg.seed, plan.trajectory_id, cfg.situations.namespace_share)
    ):
        outcome.trajectory = namespace.namespace_tools(outcome.trajectory, source.domains)
    if outcome.trajectory is not None and rename.chosen(
        cfg.seed, plan.trajectory_id, cfg.situations.rename_share
    ):
        # After namespacing, which looks tools up by their pool names; a dotted head is kept.
        rng = random.Random(f"rename|{cfg.seed}|{plan.trajectory_id}")
        outcome.trajectory = rename.rename_tools(outcome.trajectory, rng)
    return outcome


def _failure_record(chain: Chain, cfg: SynthConfig, outcome: Outcome) -> dict[str, Any]:
    return {
        "id": trajectory_id(cfg.seed, chain.id),
        "chain_id": chain.id,
        "reason": outcome.reason,
        "error": outcome.error,
        "llm_calls": outcome.llm_calls,
        "trajectory": outcome.partial.model_dump(exclude_none=True) if outcome.partial else None,
    }
