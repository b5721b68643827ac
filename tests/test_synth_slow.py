"""Every agent role played by a real local model (SmolLM2-135M via the transformers backend)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from toolmind.llm.config import BackendConfig
from toolmind.schema import Trajectory
from toolmind.synth.config import ROLES, AgentConfig, SynthConfig
from toolmind.synth.runner import synthesize


@pytest.mark.slow
def test_smollm2_plays_every_role(tmp_path: Path) -> None:
    from toolmind.llm.factory import make_backend
    from toolmind.train.smollm2 import convert_smollm2

    checkpoint = convert_smollm2()  # converts once into the cache, then reuses it
    llm = BackendConfig(kind="transformers", model=str(checkpoint), max_tokens=48, batch_size=1)
    backend = make_backend(llm)
    chains = tmp_path / "chains.jsonl"
    chains.write_text(json.dumps({"id": "c1", "tools": ["search_flights", "get_flight_offer"]}) + "\n")
    cfg = SynthConfig(
        chains=str(chains),
        max_turns=8,
        timeout_s=900,
        agents={r: AgentConfig(llm=llm, max_tokens=48) for r in ROLES},
    )
    cfg.situations.distractor_share = 0.0
    result = asyncio.run(synthesize(cfg, tmp_path / "out", backends=dict.fromkeys(ROLES, backend)))
    # Whatever the model said is on disk as a schema-valid record: finished, or failed with its reason.
    assert result.written + result.failed == 1
    if result.written:
        line = (tmp_path / "out" / "trajectories.jsonl").read_text().splitlines()[0]
        record = Trajectory.model_validate_json(line)
    else:
        failed = json.loads((tmp_path / "out" / "failed.jsonl").read_text().splitlines()[0])
        assert failed["reason"] in ("max_turns", "max_calls_per_turn", "max_tokens")
        record = Trajectory.model_validate(failed["trajectory"])
    assert record.messages and record.messages[0].role == "user"
    assert set(record.meta["backend"].values()) == {backend.name}
    assert record.meta["usage"]["llm_calls"] >= 3 and record.meta["usage"]["completion_tokens"] > 0
