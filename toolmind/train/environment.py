"""The machine a model was trained on, recorded beside the model (`toolmind_train.json`) and in the run's report.

The same recipe, data and seeds train a measurably different model on another CPU: bf16 autocast runs on
oneDNN kernels that differ between CPUs with AMX and CPUs with AVX512-BF16 only, the rounding of every
step differs, and 150 steps of batch 1 amplify it. The demo's recipe at data draw 0 scored irrelevance
185/240 trained on an AMD EPYC and 134/240 trained on an Intel Xeon with AMX, simple_python + multiple
262/600 and 250/600 (recipes/README.md). So a score is only comparable with the machine that trained it.
"""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Any

CPUINFO = Path("/proc/cpuinfo")


def _cpuinfo_field(name: str, text: str) -> str | None:
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() == name:
            return value.strip()
    return None


def cpu_description(cpuinfo: str | None = None) -> dict[str, Any]:
    """The CPU's model name and the instruction sets that decide its bf16 matmul kernels.

    `bf16_kernels` is "amx" (AMX tiles), "avx512_bf16" (AVX512 BF16 dot products only) or "none" (bf16 is
    emulated, slower than fp32). `cpuinfo` is /proc/cpuinfo's text (read when None; empty where there is
    none, e.g. macOS: then only the platform's processor name is known).
    """
    if cpuinfo is None:
        try:
            cpuinfo = CPUINFO.read_text(encoding="utf-8", errors="replace")
        except OSError:
            cpuinfo = ""
    flags = set((_cpuinfo_field("flags", cpuinfo) or "").split())
    if "amx_bf16" in flags:
        kernels = "amx"
    elif "avx512_bf16" in flags:
        kernels = "avx512_bf16"
    else:
        kernels = "none" if flags else "unknown"
    return {
        "model": _cpuinfo_field("model name", cpuinfo) or platform.processor() or "unknown",
        "bf16_kernels": kernels,
    }


def training_environment(*, use_cpu: bool, bf16: bool, processes: int) -> dict[str, Any]:
    """Software versions, device and CPU of a training run (see the module docstring for why)."""
    import torch
    import transformers
    import trl

    cuda = torch.cuda.is_available() and not use_cpu
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "trl": trl.__version__,
        "device": "cuda" if cuda else "cpu",
        "gpu": torch.cuda.get_device_name(0) if cuda else None,
        "cpu": cpu_description(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "threads": torch.get_num_threads(),
        "processes": processes,
        "bf16": bf16,
    }


def describe(env: dict[str, Any]) -> str:
    """One line for a report: "cpu: Intel(R) Xeon(R) Processor (bf16 kernels: amx), 2 threads, ..."."""
    cpu = env.get("cpu") or {}
    where = (
        f"gpu: {env.get('gpu')}"
        if env.get("device") == "cuda"
        else f"cpu: {cpu.get('model', '?')} (bf16 kernels: {cpu.get('bf16_kernels', '?')}), "
        f"{env.get('threads', '?')} threads"
    )
    precision = "bf16 autocast" if env.get("bf16") else "fp32"
    return (
        f"{where}, {env.get('processes', 1)} process(es), {precision}; torch {env.get('torch', '?')}, "
        f"transformers {env.get('transformers', '?')}, trl {env.get('trl', '?')}"
    )
