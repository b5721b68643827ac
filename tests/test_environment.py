"""The machine and software recorded with each stage, the trained model and the run's report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from toolmind.environment import cpu_description, describe, machine, package_versions, training_environment
from toolmind.pipeline.report import machine_lines
from toolmind.pipeline.runner import Stage, run_stage, stage_record

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


def test_package_versions_without_importing() -> None:
    import numpy

    versions = package_versions(("numpy", "no-such-package-toolmind"))
    assert versions == {"numpy": numpy.__version__, "no-such-package-toolmind": None}


def test_training_environment_of_this_machine() -> None:
    import torch

    env = training_environment(use_cpu=True, bf16=False, processes=1)
    assert env["device"] == "cpu" and env["gpu"] is None and env["packages"]["torch"] == torch.__version__
    assert env["threads"] == torch.get_num_threads() and env["cpu"]["model"]
    json.dumps(env)  # it goes into toolmind_train.json
    line = describe(env)
    assert line.startswith("cpu, ") and "fp32" in line and f"torch {torch.__version__}" in line


def test_stage_record_and_report_name_the_machine(tmp_path: Path) -> None:
    src = tmp_path / "in.txt"
    src.write_text("x")
    stages = [
        Stage(name=name, argv=[sys.executable, "-c", "pass"], out=tmp_path / name, inputs=[src])
        for name in ("synth", "train")
    ]
    assert machine_lines(stages) == []  # nothing has run
    for stage in stages:
        run_stage(stage, logs_dir=tmp_path / "logs")
    assert stage_record(stages[0].out)["machine"] == machine()
    lines = machine_lines(stages)
    assert lines[1] == "## Machine and software"
    assert lines[3].startswith("- synth, train: ") and "numpy" in lines[3]
    assert not any(line.startswith("- training:") for line in lines)  # no toolmind_train.json
    env = {
        "cpu": {"model": "AMD EPYC 9B14", "bf16_kernels": "avx512_bf16"},
        "python": "3.11.7",
        "packages": {"torch": "2.13.0+cpu"},
        "device": "cpu",
        "threads": 2,
        "processes": 1,
        "bf16": True,
    }
    (stages[1].out / "toolmind_train.json").write_text(json.dumps({"environment": env}))
    assert (
        "- training: cpu, 2 threads, 1 process(es), bf16 autocast: AMD EPYC 9B14 (bf16 kernels: avx512_bf16); "
        "Python 3.11.7, torch 2.13.0+cpu"
    ) in machine_lines(stages)
