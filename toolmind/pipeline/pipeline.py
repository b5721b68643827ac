"""`toolmind pipeline`: every stage of the method in one run directory, resumable and cached."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from pathlib import Path
from typing import Any

from toolmind.pipeline.config import PipelineConfig
from toolmind.pipeline.lock import machine_run, run_lock
from toolmind.pipeline.report import write_report
from toolmind.pipeline.runner import Stage, invalidate_from, run_stage, stage_record
from toolmind.pipeline.stages import build_stages

logger = logging.getLogger(__name__)


def plan(cfg: PipelineConfig) -> list[dict[str, Any]]:
    """Resolve every stage's command without running anything (`--dry-run`)."""
    return [
        {"stage": s.name, "argv": s.argv, "out": str(s.out), "inputs": [str(p) for p in s.inputs]}
        for s in build_stages(cfg)
    ]


def run_pipeline(
    cfg: PipelineConfig, *, from_stage: str | None = None, only: list[str] | None = None
) -> Path:
    run_dir = Path(cfg.run_dir)
    with run_lock(run_dir), machine_run(run_dir):
        return _run_locked(cfg, run_dir, from_stage=from_stage, only=only)


def _run_locked(
    cfg: PipelineConfig, run_dir: Path, *, from_stage: str | None, only: list[str] | None
) -> Path:
    stages = build_stages(cfg)
    if from_stage:
        invalidate_from(stages, from_stage)
    settings = dataclasses.asdict(cfg)
    (run_dir / "pipeline_config.json").write_text(json.dumps(settings, indent=2), encoding="utf-8")
    started = time.time()
    records = []
    for i, stage in enumerate(stages, start=1):
        if only and stage.name not in only:
            continue
        logger.info("[%d/%d] %s: %s", i, len(stages), stage.name, stage.description)
        records.append(run_stage(stage, logs_dir=run_dir / "logs"))
    report = write_report(run_dir, cfg.name, stages, settings)
    manifest = {
        "name": cfg.name,
        "config": settings,
        # The keys the stages' own records hold: recomputing them here would hash every input (model
        # checkpoints included) a second time.
        "stages": {s.name: {"key": stage_record(s.out).get("key"), "out": str(s.out)} for s in stages},
        "seconds": round(time.time() - started, 1),
    }
    (run_dir / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    logger.info("pipeline done in %.0f s; report: %s", time.time() - started, report)
    return report


def stage_names(stages: list[Stage]) -> list[str]:
    return [s.name for s in stages]
