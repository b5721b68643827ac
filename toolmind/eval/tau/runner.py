"""Run a τ² evaluation: every (task, trial) of a split, concurrently, resumable, then the report.

Results go to `OUT/results.jsonl`, one `EpisodeResult` per line, appended as episodes finish; a rerun
with the same `--out` skips the (task, trial) pairs already there. `OUT/run_config.json` pins the run:
resuming with different models, domain or split is refused.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from toolmind.eval.tau.agents import OracleAgent, OracleScript, OracleUser
from toolmind.eval.tau.data import Task
from toolmind.eval.tau.domain import Domain, dump_json, load_domain
from toolmind.eval.tau.orchestrator import EpisodeConfig, EpisodeResult, run_episode
from toolmind.eval.tau.report import write_report
from toolmind.llm.base import LLMBackend
from toolmind.schema import JsonlAppender, read_jsonl

log = logging.getLogger(__name__)
ORACLE = "oracle"
RESULTS = "results.jsonl"


@dataclass
class TauRunConfig:
    """One `toolmind eval tau` run of one domain."""

    domain: str = field(metadata={"help": "τ² domain: airline, retail or telecom."})
    data_dir: str = field(
        metadata={"help": "τ² data directory laid out as <domain>/{db.json,tasks.json,...}."}
    )
    out: str = field(
        metadata={"help": "Output directory (results.jsonl, report.json, report.md, report.png)."}
    )
    split: str = field(
        default="base", metadata={"help": "Split of split_tasks.json (base = leaderboard set)."}
    )
    agent_model: str = field(
        default=ORACLE,
        metadata={
            "help": "'oracle' (replays gold actions), 'scripted:<policy>', a local checkpoint directory "
            "(transformers backend, Qwen3 chat format) or a litellm model name."
        },
    )
    agent_api_base: str | None = field(
        default=None, metadata={"help": "OpenAI-compatible base URL of the agent."}
    )
    user_model: str | None = field(
        default=None,
        metadata={
            "help": "User simulator: a litellm model name (recorded with every score); oracle agent: unset."
        },
    )
    user_api_base: str | None = field(
        default=None, metadata={"help": "OpenAI-compatible base URL of the user."}
    )
    judge_model: str | None = field(
        default=None,
        metadata={
            "help": "NL-assertion judge (litellm name); unset: NL_ASSERTION is reported as not evaluated."
        },
    )
    judge_api_base: str | None = field(
        default=None, metadata={"help": "OpenAI-compatible base URL of the judge."}
    )
    trials: int = field(
        default=1, metadata={"help": "Trials per task (pass^k is reported for k = 1..trials)."}
    )
    concurrency: int = field(default=4, metadata={"help": "Episodes in flight at once."})
    task_ids: list[str] | None = field(
        default=None, metadata={"help": "Only these task ids (in split order)."}
    )
    num_tasks: int | None = field(default=None, metadata={"help": "Only the first N tasks of the split."})
    dump_db: str | None = field(default=None, metadata={"help": "Write each episode's final DB here."})
    episode: EpisodeConfig = field(default_factory=EpisodeConfig, metadata={"help": "Episode limits."})


def backend_from_name(name: str, api_base: str | None) -> LLMBackend:
    """`scripted:<policy>`, a checkpoint directory, or a litellm model name → backend."""
    from toolmind.llm.config import BackendConfig
    from toolmind.llm.factory import make_backend

    if name.startswith("scripted:"):
        return make_backend(BackendConfig(kind="scripted", model=name.split(":", 1)[1]))
    if Path(name).is_dir():
        return make_backend(BackendConfig(kind="transformers", model=name))
    return make_backend(BackendConfig(kind="litellm", model=name, api_base=api_base))


Participants = Callable[[Task], tuple[LLMBackend, LLMBackend]]


def participants_for(cfg: TauRunConfig) -> Participants:
    """Factory of (agent, user) per episode (the oracle pair shares a per-episode script)."""
    if cfg.agent_model == ORACLE:
        if cfg.user_model not in (None, ORACLE):
            raise ValueError(
                "--agent-model oracle plays against its own scripted user; leave --user-model unset"
            )

        def oracle(task: Task) -> tuple[LLMBackend, LLMBackend]:
            script = OracleScript(task)
            return OracleAgent(script), OracleUser(script)

        return oracle
    if not cfg.user_model:
        raise ValueError(
            "--user-model is required unless --agent-model is 'oracle' (name the user simulator)"
        )
    agent = backend_from_name(cfg.agent_model, cfg.agent_api_base)
    user = backend_from_name(cfg.user_model, cfg.user_api_base)
    return lambda task: (agent, user)


def _select(domain: Domain, cfg: TauRunConfig) -> list[Task]:
    tasks = domain.split(cfg.split)
    if cfg.task_ids:
        wanted = set(cfg.task_ids)
        missing = wanted - {t.id for t in tasks}
        if missing:
            raise ValueError(f"task ids not in split {cfg.split!r}: {sorted(missing)}")
        tasks = [t for t in tasks if t.id in wanted]
    if cfg.num_tasks is not None:
        tasks = tasks[: cfg.num_tasks]
    return tasks


def _pin(cfg: TauRunConfig, out: Path) -> None:
    pinned = {
        k: v
        for k, v in asdict(cfg).items()
        if k in ("domain", "split", "agent_model", "user_model", "judge_model")
    }
    path = out / "run_config.json"
    if path.exists():
        old = json.loads(path.read_text(encoding="utf-8"))
        diff = {k: (old.get(k), v) for k, v in pinned.items() if old.get(k) != v}
        if diff:
            raise ValueError(f"{path}: this output directory holds a different run {diff}; use a new --out")
    else:
        out.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(pinned, indent=2), encoding="utf-8")


def _done(path: Path) -> dict[tuple[str, int], EpisodeResult]:
    if not path.exists():
        return {}
    read = read_jsonl(path, EpisodeResult)
    for err in read.errors:
        log.warning("skipping bad result line: %s", err)
    return {(r.task_id, r.trial): r for r in read.records}


def data_fingerprint(domain: Domain, data_dir: str) -> dict[str, Any]:
    """sha256 of the domain's task file, so a score names the exact data it was computed on."""
    root = Path(data_dir) / domain.name
    return {
        name: hashlib.sha256((root / name).read_bytes()).hexdigest()[:16]
        for name in ("tasks.json", "db.json", "db.toml", "user_db.toml", "split_tasks.json")
        if (root / name).is_file()
    }


async def run_tau(
    cfg: TauRunConfig,
    participants: Participants | None = None,
    judge: LLMBackend | None = None,
    domain: Domain | None = None,
) -> dict[str, Any]:
    """Run (or resume) the evaluation and write the report; returns the report dict."""
    out = Path(cfg.out)
    _pin(cfg, out)
    domain = domain or load_domain(cfg.domain, cfg.data_dir)
    tasks = _select(domain, cfg)
    make = participants or participants_for(cfg)
    if judge is None and cfg.judge_model:
        judge = backend_from_name(cfg.judge_model, cfg.judge_api_base)
    results_path = out / RESULTS
    done = _done(results_path)
    todo = [(t, k) for t in tasks for k in range(cfg.trials) if (t.id, k) not in done]
    log.info("%s/%s: %d episodes to run, %d already done", cfg.domain, cfg.split, len(todo), len(done))
    sem = asyncio.Semaphore(cfg.concurrency)
    with JsonlAppender(results_path) as sink:

        async def one(task: Task, trial: int) -> None:
            async with sem:
                agent, user = make(task)
                result, env = await run_episode(domain, task, trial, agent, user, cfg.episode, judge)
                sink.append(result)
                done[(task.id, trial)] = result
                if cfg.dump_db:
                    dump_json(Path(cfg.dump_db) / f"{task.id}-{trial}.json", env.dump())

        await asyncio.gather(*(one(t, k) for t, k in todo))
    episodes = [done[(t.id, k)] for t in tasks for k in range(cfg.trials)]
    meta = {"data_dir": str(cfg.data_dir), "data_sha256": data_fingerprint(domain, cfg.data_dir)}
    return write_report(out, cfg.domain, cfg.split, tasks, episodes, cfg.trials, meta)


def build_run_config(yaml_path: str | None, overrides: dict[str, Any]) -> TauRunConfig:
    """A `TauRunConfig` from a YAML recipe (field names as keys, `episode:` nested) and CLI overrides
    (None values are ignored). Unknown keys are errors naming the file."""
    import yaml

    from toolmind.eval.tau.data import DataError, default_data_dir

    fields = set(TauRunConfig.__dataclass_fields__)
    episode_fields = set(EpisodeConfig.__dataclass_fields__)
    data: dict[str, Any] = {}
    if yaml_path:
        loaded = yaml.safe_load(Path(yaml_path).read_text(encoding="utf-8")) or {}
        if not isinstance(loaded, dict):
            raise DataError(f"{yaml_path}: expected a mapping of TauRunConfig fields")
        unknown = set(loaded) - fields
        if unknown:
            raise DataError(f"{yaml_path}: unknown field(s) {sorted(unknown)} (known: {sorted(fields)})")
        data.update(loaded)
    episode = dict(data.pop("episode", None) or {})
    for key, value in overrides.items():
        if value is None:
            continue
        if key in episode_fields:
            episode[key] = value
        else:
            data[key] = value
    unknown_ep = set(episode) - episode_fields
    if unknown_ep:
        raise DataError(f"{yaml_path}: unknown episode field(s) {sorted(unknown_ep)}")
    data.setdefault("data_dir", str(default_data_dir()))
    missing = [k for k in ("domain", "out") if k not in data]
    if missing:
        raise DataError(f"missing setting(s) {missing}: give them on the command line or in the YAML recipe")
    return TauRunConfig(**data, episode=EpisodeConfig(**episode))
