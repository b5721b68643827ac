"""`accelerate launch` with 2 CPU processes (gloo): plain DDP, and DeepSpeed ZeRO-3 in fp32.

`accelerate launch --cpu --num_processes 2` would start a single process (REFERENCE §6), so the DDP run
uses `recipes/accelerate_configs/cpu_ddp.yaml` (MULTI_GPU with no GPU: torchrun starts 2 workers) and the
tiny recipe's `use_cpu: true` (gloo). The DDP run takes ~10 s on 2 idle cores (~30 s under load) and stays
in the default suite; ZeRO-3 (DeepSpeed import and a first-run op build) is `slow`. ZeRO-3 reuses the GPU recipe file with `--num_processes 2
--mixed_precision no`. Both runs see the same data in the same order, so they must end at the same weights.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

from toolmind.schema import write_jsonl

ROOT = Path(__file__).resolve().parents[1]
TINY = str(ROOT / "recipes/tiny/sft/config_tiny.yaml")
CITIES = ("Paris", "Tokyo", "Lima", "Oslo", "Rome", "Cairo", "Quito", "Perth")


def launch(accelerate_args: list[str], model: Path, data: Path, out: Path, *extra: str) -> dict[str, Any]:
    """Run `accelerate launch ... -m toolmind.train.sft` and return the run's toolmind_train.json."""
    cmd = [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        *accelerate_args,
        "-m",
        "toolmind.train.sft",
        "--config",
        TINY,
        "--model_name_or_path",
        str(model),
        "--dataset_path",
        str(data),
        "--output_dir",
        str(out),
        *extra,
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    manifest: dict[str, Any] = json.loads((out / "toolmind_train.json").read_text())
    return manifest


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from test_tokenize import self_correction

    out = tmp_path_factory.mktemp("dist_data")
    write_jsonl(out / "train.jsonl", [self_correction(f"d{i}", c) for i, c in enumerate(CITIES)])
    return out


@pytest.fixture(scope="module")
def ddp_run(tiny_qwen3_dir: Path, data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ddp") / "run"
    launch(
        ["--config_file", str(ROOT / "recipes/accelerate_configs/cpu_ddp.yaml")],
        tiny_qwen3_dir,
        data_dir,
        out,
    )
    return out


def weights(path: Path) -> dict[str, torch.Tensor]:
    from transformers import AutoModelForCausalLM

    return dict(AutoModelForCausalLM.from_pretrained(path).state_dict())


def check_run(out: Path, base: Path) -> None:
    manifest = json.loads((out / "toolmind_train.json").read_text())
    logged = [e["loss"] for e in manifest["log_history"] if "loss" in e]
    # 24 per_turn samples / (2 per device x 2 processes) = 6 steps of one epoch, then max_steps 8.
    assert len(logged) == 8
    assert sum(logged[-2:]) < sum(logged[:2])
    assert manifest["train_samples"] == 24
    assert (out / "checkpoint-4" / "tokenizer.json").is_file() and (out / "checkpoint-8").is_dir()
    before, after = weights(base), weights(out)
    assert all(not torch.equal(before[k], after[k]) for k in before)


def generates(out: Path) -> None:
    import asyncio

    from toolmind.llm.base import ChatRequest
    from toolmind.llm.transformers_backend import TransformersBackend
    from toolmind.schema import Message

    backend = TransformersBackend(out, max_new_tokens=6)
    completion = asyncio.run(backend.complete(ChatRequest(messages=[Message(role="user", content="Hi")])))
    assert completion.usage.completion_tokens > 0


def test_ddp_two_processes(ddp_run: Path, tiny_qwen3_dir: Path) -> None:
    manifest = json.loads((ddp_run / "toolmind_train.json").read_text())
    # Two workers shared the data: one epoch is 6 optimizer steps, not 12.
    assert manifest["metrics"]["epoch"] == pytest.approx(8 / 6, rel=1e-3)
    check_run(ddp_run, tiny_qwen3_dir)
    generates(ddp_run)


@pytest.mark.slow
def test_deepspeed_zero3_two_processes_matches_ddp(
    ddp_run: Path, tiny_qwen3_dir: Path, data_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "zero3"
    launch(
        [
            "--config_file",
            str(ROOT / "recipes/accelerate_configs/zero3.yaml"),
            "--num_processes",
            "2",
            "--mixed_precision",
            "no",
        ],
        tiny_qwen3_dir,
        data_dir,
        out,
        "--use_cpu",
        "false",  # use_cpu would bypass DeepSpeed; without a GPU it still runs on CPU
        "--ddp_backend",
        "gloo",
    )
    assert (out / "checkpoint-8" / "global_step8").is_dir()  # DeepSpeed's sharded states, for resuming
    check_run(out, tiny_qwen3_dir)
    generates(out)
    zero3, ddp = weights(out), weights(ddp_run)
    assert max((zero3[k] - ddp[k]).abs().max().item() for k in ddp) < 1e-4
