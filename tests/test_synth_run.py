"""Run mechanics: SIGKILL + resume, sharding, the CLI, config errors."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_synth_support import write_chains

from toolmind.cli import main as cli_main
from toolmind.synth.config import SynthConfig, load_config
from toolmind.synth.runner import synthesize
from toolmind.tools.pool import load_default_pool

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ROOT / "recipes" / "synth" / "default.yaml"

# A child process that runs the default recipe with every scripted agent slowed down (5 ms per call),
# so the test can kill it mid-run.
SLOW_RUN = """
import asyncio, sys
from toolmind.llm.scripted import ScriptedBackend
from toolmind.synth.config import load_config
from toolmind.synth.runner import synthesize
from toolmind.synth.scripted import POLICIES

class Slow(ScriptedBackend):
    async def complete(self, request):
        await asyncio.sleep(0.005)
        return await super().complete(request)

cfg = load_config(sys.argv[1])
cfg.chains = sys.argv[2]
cfg.concurrency = 4
backends = {role: Slow(POLICIES[role], f"{role}-v1") for role in POLICIES}
asyncio.run(synthesize(cfg, sys.argv[3], backends=backends))
"""


def _config(chains: Path) -> SynthConfig:
    cfg = load_config(RECIPE)
    cfg.chains = str(chains)
    return cfg


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_sigkill_then_resume_finishes_the_planned_set(tmp_path: Path) -> None:
    chains = write_chains(tmp_path / "chains.jsonl", load_default_pool(), 120, seed=5)
    out = tmp_path / "out"
    script = tmp_path / "slow_run.py"
    script.write_text(SLOW_RUN, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(script), str(RECIPE), str(chains), str(out)], env=env)
    traj = out / "trajectories.jsonl"
    deadline = time.time() + 60
    while time.time() < deadline:
        if traj.exists() and traj.read_text(encoding="utf-8").count("\n") >= 15:
            break
        if proc.poll() is not None:
            pytest.fail("the run finished before it could be killed")
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    done_before = traj.read_text(encoding="utf-8").count("\n")
    assert 15 <= done_before < 120
    with open(traj, "a", encoding="utf-8") as fh:  # a torn record, as a kill during write() leaves it
        fh.write('{"id": "syn-0-c99999", "tools": [], "messa')

    cfg = _config(chains)
    with pytest.raises(FileExistsError):
        asyncio.run(synthesize(cfg, out))
    result = asyncio.run(synthesize(cfg, out, resume=True))
    assert result.resumed == done_before and result.written == 120 - done_before
    records = _lines(traj)  # every line parses
    ids = [r["id"] for r in records]
    planned = {f"syn-0-c{i:05d}" for i in range(120)}
    assert len(ids) == len(set(ids)) == 120 and set(ids) == planned
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete" and manifest["summary"]["missing"] == 0

    # resuming a finished run does nothing and loses nothing
    again = asyncio.run(synthesize(cfg, out, resume=True))
    assert again.written == 0 and len(_lines(traj)) == 120


def test_two_shards_equal_one_unsharded_run(tmp_path: Path) -> None:
    chains = write_chains(tmp_path / "chains.jsonl", load_default_pool(), 60, seed=7)
    cfg = _config(chains)
    asyncio.run(synthesize(cfg, tmp_path / "all"))
    for i in range(2):
        asyncio.run(synthesize(cfg, tmp_path / f"shard{i}", num_shards=2, shard_index=i))
    whole = {r["id"]: r for r in _lines(tmp_path / "all" / "trajectories.jsonl")}
    merged_text = "".join((tmp_path / f"shard{i}" / "trajectories.jsonl").read_text() for i in range(2))
    merged = [json.loads(line) for line in merged_text.splitlines()]
    assert len(merged) == len(whole) == 60
    assert {r["id"]: r for r in merged} == whole
    shard0 = {r["id"] for r in _lines(tmp_path / "shard0" / "trajectories.jsonl")}
    assert 0 < len(shard0) < 60


def test_resume_refuses_a_different_config(tmp_path: Path) -> None:
    chains = write_chains(tmp_path / "chains.jsonl", load_default_pool(), 5, seed=2)
    cfg = _config(chains)
    asyncio.run(synthesize(cfg, tmp_path / "out"))
    cfg.seed = 9
    with pytest.raises(ValueError, match="cannot resume"):
        asyncio.run(synthesize(cfg, tmp_path / "out", resume=True))


def test_cli_runs_the_default_recipe_with_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chains = write_chains(tmp_path / "chains.jsonl", load_default_pool(), 40, seed=4)
    out = tmp_path / "out"
    code = cli_main(
        ["synth", "--config", str(RECIPE), "--chains", str(chains), "--out", str(out), "--limit", "25"]
    )
    assert code == 0
    text = capsys.readouterr().out
    for word in ("trajectories", "tool calls", "situations", "failures", "injected errors", "tokens", "cost"):
        assert word in text
    assert len(_lines(out / "trajectories.jsonl")) == 25
    code = cli_main(["synth", "--config", str(RECIPE), "--chains", str(chains), "--out", str(out)])
    assert code == 2  # exists, no --resume
    code = cli_main(
        [
            "synth",
            "--config",
            str(RECIPE),
            "--chains",
            str(chains),
            "--out",
            str(out),
            "--limit",
            "25",
            "--resume",
        ]
    )
    assert code == 0 and len(_lines(out / "trajectories.jsonl")) == 25


def test_config_errors_name_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("seed: 1\nsituations:\n  parallel_shar: 0.3\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.yaml\.situations.*parallel_shar"):
        load_config(bad)
    bad.write_text("agents:\n  critic: {}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="critic"):
        load_config(bad)
    bad.write_text("situations:\n  no_tool_share: 1.5\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no_tool_share"):
        load_config(bad)


def test_chain_with_unknown_tool_is_a_reported_failure(tmp_path: Path) -> None:
    chains = tmp_path / "chains.jsonl"
    chains.write_text(
        json.dumps({"id": "bad", "tools": ["no_such_tool"]})
        + "\n"
        + json.dumps({"id": "ok", "tools": ["search_flights"]})
        + "\n",
        encoding="utf-8",
    )
    result = asyncio.run(synthesize(_config(chains), tmp_path / "out"))
    assert result.written == 1 and result.failed == 1
    assert result.summary["failures"] == {"bad_chain": 1}
    failed = _lines(tmp_path / "out" / "failed.jsonl")
    assert failed[0]["id"] == "syn-0-bad" and "no_such_tool" in failed[0]["error"]


def test_turn_limit_failure_keeps_a_valid_partial_record(tmp_path: Path) -> None:
    chains = write_chains(tmp_path / "chains.jsonl", load_default_pool(), 10, seed=8)
    cfg = _config(chains)
    cfg.max_turns = 4
    result = asyncio.run(synthesize(cfg, tmp_path / "out"))
    assert result.failed > 0 and result.summary["failures"].get("max_turns") == result.failed
    from toolmind.schema import Trajectory

    for rec in _lines(tmp_path / "out" / "failed.jsonl"):
        partial = Trajectory.model_validate(rec["trajectory"])
        assert partial.meta["stop_reason"] == "max_turns" and len(partial.messages) == 4
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "incomplete"


def test_high_concurrency_writes_every_finished_record(tmp_path: Path) -> None:
    chains = write_chains(tmp_path / "chains.jsonl", load_default_pool(), 300, seed=11)
    cfg = _config(chains)
    cfg.concurrency = 64
    result = asyncio.run(synthesize(cfg, tmp_path / "out"))
    lines = _lines(tmp_path / "out" / "trajectories.jsonl")
    assert result.written == len(lines) == len({r["id"] for r in lines}) == 300
    assert result.summary["missing"] == 0


def test_namespaced_run_keeps_calls_consistent_with_the_tool_list(tmp_path: Path) -> None:
    """namespace_share 1: every record's tools are dotted, and every call and result names one of them."""
    from toolmind.schema import Trajectory

    chains = write_chains(tmp_path / "chains.jsonl", load_default_pool(), 20, seed=3)
    cfg = _config(chains)
    cfg.situations.namespace_share = 1.0
    asyncio.run(synthesize(cfg, tmp_path / "out"))
    records = [Trajectory.model_validate(r) for r in _lines(tmp_path / "out" / "trajectories.jsonl")]
    assert len(records) == 20
    for traj in records:
        names = {t.function.name for t in traj.tools}
        assert all("." in n for n in names) and "namespaced" in traj.meta["situations"]
        for m in traj.messages:
            assert all(c.function.name in names for c in m.tool_calls or [])
            assert m.role != "tool" or m.name in names


def test_renamed_run_calls_only_offered_names(tmp_path: Path) -> None:
    """rename_share 1: every call names an offered tool and only its (renamed) parameters."""
    from toolmind.schema import Trajectory

    pool = load_default_pool()
    pool_names = {t.function.name for t in pool}
    chains = write_chains(tmp_path / "chains.jsonl", pool, 20, seed=3)
    cfg = _config(chains)
    cfg.situations.rename_share = 1.0
    asyncio.run(synthesize(cfg, tmp_path / "out"))
    records = [Trajectory.model_validate(r) for r in _lines(tmp_path / "out" / "trajectories.jsonl")]
    assert len(records) == 20
    renamed = 0
    for traj in records:
        assert traj.meta["renamed"]
        tools = {t.function.name: set(t.function.parameters.get("properties", {})) for t in traj.tools}
        renamed += sum(1 for n in tools if n not in pool_names)
        injected = {
            e.get("message_index") for e in traj.meta.get("injected_errors", []) if isinstance(e, dict)
        }
        for i, m in enumerate(traj.messages):
            for c in m.tool_calls or []:
                if i in injected:
                    continue  # an injected wrong call may name a wrong tool or a wrong argument
                assert c.function.name in tools
                assert set(c.function.parsed_arguments()) <= tools[c.function.name]
    assert renamed > 20  # most tools get another name


def test_related_share_draws_same_domain_negatives() -> None:
    """related_share 1: distractors and declined requests come from the trajectory's own domains."""
    from toolmind.schema import Chain
    from toolmind.synth.episodes import EpisodeBuilder
    from toolmind.tools.pool import default_pool_domains

    pool, domains = load_default_pool(), default_pool_domains()
    specs = {t.function.name: t for t in pool}
    cfg = SynthConfig()
    cfg.situations.related_share = 1.0
    cfg.situations.distractor_share = 1.0

    name = pool[0].function.name
    b = EpisodeBuilder(Chain(id="c", tools=[name]), specs, pool, cfg, domains)
    near = b.distractors([name])
    assert near and all(domains[t.function.name] == domains[name] for t in near)
    cfg.situations.related_share = 0.0
    b = EpisodeBuilder(Chain(id="c", tools=[name]), specs, pool, cfg, domains)
    far = b.distractors([name])
    assert far and all(domains[t.function.name] != domains[name] for t in far)
