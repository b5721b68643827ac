"""The training machine recorded beside a model and in the run's report (toolmind.train.environment)."""

from __future__ import annotations

import json
from pathlib import Path

from toolmind.pipeline.report import training_machine
from toolmind.pipeline.runner import Stage
from toolmind.train.environment import cpu_description, describe, training_environment

CPUINFO = """processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Processor
flags\t\t: fpu sse2 avx2 avx512f {extra}
"""


def test_cpu_description_names_the_bf16_kernels() -> None:
    amx = cpu_description(CPUINFO.format(extra="avx512_bf16 amx_bf16 amx_tile"))
    assert amx == {"model": "Intel(R) Xeon(R) Processor", "bf16_kernels": "amx"}
    assert cpu_description(CPUINFO.format(extra="avx512_bf16"))["bf16_kernels"] == "avx512_bf16"
    assert cpu_description(CPUINFO.format(extra=""))["bf16_kernels"] == "none"
    # No /proc/cpuinfo (macOS): the processor name from the platform, the kernels unknown.
    assert cpu_description("")["bf16_kernels"] == "unknown"


def test_training_environment_of_this_machine() -> None:
    import torch

    env = training_environment(use_cpu=True, bf16=False, processes=1)
    assert env["device"] == "cpu" and env["gpu"] is None and env["torch"] == torch.__version__
    assert env["threads"] == torch.get_num_threads() and env["cpu"]["model"]
    json.dumps(env)  # it goes into toolmind_train.json
    line = describe(env)
    assert line.startswith("cpu: ") and "fp32" in line and torch.__version__ in line


def test_report_names_the_training_machine(tmp_path: Path) -> None:
    train = tmp_path / "train"
    train.mkdir()
    stage = Stage(name="train", argv=[], out=train)
    assert training_machine([stage]) == []  # no manifest yet (or one from before the record)
    (train / "toolmind_train.json").write_text(json.dumps({"metrics": {}}))
    assert training_machine([stage]) == []
    env = {
        "device": "cpu",
        "cpu": {"model": "AMD EPYC 9B14", "bf16_kernels": "avx512_bf16"},
        "threads": 2,
        "processes": 1,
        "bf16": True,
        "torch": "2.13.0+cpu",
    }
    (train / "toolmind_train.json").write_text(json.dumps({"environment": env}))
    lines = training_machine([Stage(name="synth", argv=[], out=tmp_path / "synth"), stage])
    assert lines[1] == "## Training machine"
    assert lines[3].startswith(
        "cpu: AMD EPYC 9B14 (bf16 kernels: avx512_bf16), 2 threads, 1 process(es), bf16"
    )
