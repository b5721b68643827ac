"""The two-stage filter over a trajectories file: stages, outputs, resume.

Stages run in the order of `ALL_STAGES`; each can be switched off. Trajectory-level stages (`rules`,
`judge`) drop records; turn-level stages (`turn_rules`, `turn_judge`) set `labels[i].train = False` with
reasons and keep the turn in the conversation. A trajectory whose every assistant turn ends up masked is
dropped by the final `all_masked` step.

Output (written batch by batch; a re-run resumes by skipping ids already written):
`OUT/trajectories.jsonl` (kept, labels updated), `OUT/dropped.jsonl` (dropped, with stage and reasons in
`meta.filter.dropped`), `OUT/manifest.json` (config, input hash, per-stage stats, timing).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolmind.filter.config import SCRIPTED_JUDGE, FilterConfig
from toolmind.filter.findings import Finding
from toolmind.filter.judge import Judge
from toolmind.filter.rules import run_rules
from toolmind.filter.scripted_judge import ScriptedJudge
from toolmind.filter.stats import compute_stats, write_manifest
from toolmind.llm.base import LLMBackend
from toolmind.schema import RecordError, Trajectory, dump_line, iter_jsonl, repair_tail

log = logging.getLogger(__name__)

KEPT_FILE = "trajectories.jsonl"
DROPPED_FILE = "dropped.jsonl"


@dataclass
class Outcome:
    """What the filter decided for one trajectory."""

    trajectory: Trajectory
    dropped_stage: str | None = None
    drop_reasons: list[str] | None = None
    drop_rules: list[str] | None = None


def make_judge_backend(config: FilterConfig) -> LLMBackend:
    """The scripted judge, or a litellm backend for any other model name."""
    if config.judge_model == SCRIPTED_JUDGE:
        return ScriptedJudge()
    if config.judge_model.startswith("scripted:"):
        raise ValueError(
            f"unknown scripted judge {config.judge_model!r}; the offline judge is {SCRIPTED_JUDGE!r}"
        )
    from toolmind.llm.config import BackendConfig
    from toolmind.llm.factory import make_backend

    return make_backend(
        BackendConfig(
            kind="litellm",
            model=config.judge_model,
            api_base=config.judge_api_base,
            api_key_env=config.judge_api_key_env,
            concurrency=config.judge_concurrency,
        )
    )


def _mask(traj: Trajectory, index: int, reason: str) -> None:
    for label in traj.labels:
        if label.message_index == index:
            label.train = False
            label.reasons.append(reason)
            return


async def filter_one(traj: Trajectory, config: FilterConfig, judge: Judge | None) -> Outcome:
    """Run the configured stages on one trajectory."""
    stages = config.stages
    findings = run_rules(traj, config)
    info: dict[str, Any] = {"stages": stages, "findings": [f.to_dict() for f in findings]}
    traj.meta["filter"] = info
    whole = [f for f in findings if f.scope == "trajectory"]
    if "rules" in stages and whole:
        return _drop(traj, "rules", [f.reason() for f in whole], sorted({f.rule for f in whole}))
    if "judge" in stages and judge is not None:
        verdict = await judge.trajectory(traj, findings)
        info["judge"] = {"model": verdict.model, "passed": verdict.passed, "reasons": verdict.reasons}
        if not verdict.passed:
            rules = verdict.criteria_failed or ["judge_fail"]
            return _drop(traj, "judge", verdict.reasons or ["judge: fail"], rules)
    if "turn_rules" in stages:
        for f in findings:
            if f.scope == "turn" and f.message_index is not None:
                _mask(traj, f.message_index, f"turn_rules: {f.reason()}")
    if "turn_judge" in stages and judge is not None:
        todo = [label.message_index for label in traj.labels if label.train]
        verdicts = await asyncio.gather(*(judge.turn(traj, i, findings) for i in todo))
        for i, verdict in zip(todo, verdicts, strict=True):
            if not verdict.passed:
                _mask(traj, i, "turn_judge: " + ("; ".join(verdict.reasons) or "fail"))
    if traj.labels and not any(label.train for label in traj.labels):
        return _drop(traj, "all_masked", ["every assistant turn is masked"], ["all_masked"])
    return Outcome(traj)


def _drop(traj: Trajectory, stage: str, reasons: list[str], rules: list[str]) -> Outcome:
    traj.meta["filter"]["dropped"] = {"stage": stage, "reasons": reasons, "rules": rules}
    return Outcome(traj, stage, reasons, rules)


def _done_ids(*paths: Path) -> set[str]:
    ids: set[str] = set()
    for path in paths:
        if not path.exists():
            continue
        repair_tail(path)
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    ids.add(json.loads(line)["id"])
    return ids


def _append(path: Path, lines: list[str]) -> None:
    if not lines:
        return
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("".join(lines))
        fh.flush()
        os.fsync(fh.fileno())


async def _run(
    in_path: Path,
    out_dir: Path,
    config: FilterConfig,
    judge: Judge | None,
    errors: list[RecordError],
    progress: Callable[[int], None] | None,
) -> int:
    kept_path, dropped_path = out_dir / KEPT_FILE, out_dir / DROPPED_FILE
    done = _done_ids(kept_path, dropped_path)
    if done:
        log.info("resuming: %d trajectories already filtered in %s", len(done), out_dir)
    sem = asyncio.Semaphore(config.judge_concurrency)

    async def guarded(traj: Trajectory) -> Outcome:
        async with sem:
            return await filter_one(traj, config, judge)

    async def flush(batch: list[Trajectory]) -> None:
        if judge is None:
            outcomes = [await filter_one(t, config, None) for t in batch]
        else:
            outcomes = list(await asyncio.gather(*(guarded(t) for t in batch)))
        _append(kept_path, [dump_line(o.trajectory) for o in outcomes if o.dropped_stage is None])
        _append(dropped_path, [dump_line(o.trajectory) for o in outcomes if o.dropped_stage is not None])
        if progress is not None:
            progress(len(batch))

    seen = 0
    batch: list[Trajectory] = []
    for item in iter_jsonl(in_path, Trajectory):
        if isinstance(item, RecordError):
            errors.append(item)
            continue
        seen += 1
        if item.id in done:
            if progress is not None:
                progress(1)
            continue
        batch.append(item)
        if len(batch) >= config.batch_size:
            await flush(batch)
            batch = []
    await flush(batch)
    return seen


def input_path(in_dir: str | Path) -> Path:
    """`IN/trajectories.jsonl` for a folder, the path itself for a file."""
    return Path(in_dir) / KEPT_FILE if Path(in_dir).is_dir() else Path(in_dir)


def run_filter(
    in_dir: str | Path,
    out_dir: str | Path,
    config: FilterConfig,
    backend: LLMBackend | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Filter `IN/trajectories.jsonl` into `OUT/`; returns the manifest (also written to OUT/manifest.json).

    Args:
        in_dir: folder with `trajectories.jsonl`, or the file itself.
        out_dir: output folder (must differ from the input's).
        config: the stages and their knobs.
        backend: judge backend; default built from `config.judge_model`.
        progress: called with the number of records just finished (for a progress bar).
    """
    in_path = input_path(in_dir)
    if not in_path.exists():
        raise FileNotFoundError(f"{in_path}: no trajectories file (expected DIR/{KEPT_FILE})")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if out.resolve() == in_path.parent.resolve():
        raise ValueError(f"--out must differ from --in ({out}): the filter never overwrites its input")
    needs_judge = "judge" in config.stages or "turn_judge" in config.stages
    judge = None
    if needs_judge:
        backend = backend or make_judge_backend(config)
        cache_dir = None if backend.name == SCRIPTED_JUDGE else (config.cache_dir or out / "judge_cache")
        judge = Judge(backend, config, cache_dir)
    errors: list[RecordError] = []
    start = time.perf_counter()
    seen = asyncio.run(_run(in_path, out, config, judge, errors, progress))
    seconds = time.perf_counter() - start
    for err in errors[:20]:
        log.warning("skipped bad input record: %s", err)
    stats = compute_stats(out / KEPT_FILE, out / DROPPED_FILE, config.stages)
    judge_info: dict[str, Any] = {}
    if judge is not None:
        judge_info = {
            "model": judge.backend.name,
            "calls": judge.calls,
            "cache_hits": judge.cache_hits,
            "unparseable": judge.unparseable,
        }
    return write_manifest(out, in_path, config, stats, judge_info, errors, seen, seconds)


def findings_of(traj: Trajectory) -> list[Finding]:
    """The rule findings the filter recorded in `meta.filter.findings`."""
    raw = traj.meta.get("filter", {}).get("findings", [])
    return [Finding(f["rule"], f["message"], f["scope"], f.get("message_index")) for f in raw]
