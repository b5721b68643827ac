"""The machine and software a stage ran on, recorded with its output.

Every pipeline stage's `.stage.json` holds `machine()` (the CPU, Python and the versions of the packages
that decide what the stages compute), and a model's `toolmind_train.json` holds `training_environment()`
(those plus device, threads and precision). The run's `report.md` prints them.

Why: scores of the same commit and config moved between machines. The demo's recipe at data draw 0
trained to irrelevance 185/240 and simple_python + multiple 262/600 on an AMD EPYC (AVX512-BF16) and
134/240 and 250/600 on an Intel Xeon with AMX, and the data differed too (489 trajectories kept of 500
there, 475 here, from the same data code; on one machine the data stages are byte-identical run to run).
bf16 autocast runs on oneDNN kernels that differ between CPUs with and without AMX; fp32 MiniLM
embeddings differ by ~1e-7, enough to rewire the function graph (now embedded in float64,
toolmind.graph.embed); and unpinned packages (numpy, networkx, torch) can differ between installs. A
score is comparable only with one from the same machine and software, so both are kept with it
(recipes/README.md).
"""

from __future__ import annotations

import platform
from importlib import metadata
from pathlib import Path
from typing import Any

CPUINFO = Path("/proc/cpuinfo")
# The packages whose versions change what the stages compute: the graph (numpy, networkx, MiniLM through
# torch/transformers/tokenizers), the synthesis (faker's word lists), training (torch, transformers, trl,
# datasets, accelerate) and generation.
PACKAGES = (
    "numpy",
    "networkx",
    "faker",
    "torch",
    "transformers",
    "tokenizers",
    "trl",
    "datasets",
    "accelerate",
)


def _cpuinfo_field(name: str, text: str) -> str | None:
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() == name:
            return value.strip()
    return None


def cpu_description(cpuinfo: str | None = None) -> dict[str, Any]:
    """The CPU's model name and the instruction sets that decide its bf16 matmul kernels.

    `bf16_kernels` is "amx" (AMX tiles), "avx512_bf16" (AVX512 BF16 dot products only) or "none" (bf16 is
    emulated, slower than fp32). `cpuinfo` is /proc/cpuinfo's text (read when None; where there is none,
    e.g. macOS, only the platform's processor name is known and the kernels are "unknown").
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


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str | None]:
    """Installed versions of `names` (None for a package that is not installed), without importing them."""
    out: dict[str, str | None] = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def machine() -> dict[str, Any]:
    """What a stage ran on: CPU, Python and `package_versions()`. Cheap: no package is imported."""
    return {"cpu": cpu_description(), "python": platform.python_version(), "packages": package_versions()}


def training_environment(*, use_cpu: bool, bf16: bool, processes: int) -> dict[str, Any]:
    """`machine()` plus the device, threads, processes and precision of a training run."""
    import torch

    cuda = torch.cuda.is_available() and not use_cpu
    return {
        **machine(),
        "device": "cuda" if cuda else "cpu",
        "gpu": torch.cuda.get_device_name(0) if cuda else None,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "threads": torch.get_num_threads(),
        "processes": processes,
        "bf16": bf16,
    }


def describe_machine(record: dict[str, Any]) -> str:
    """ "Intel(R) Xeon(R) Processor (bf16 kernels: amx); Python 3.11.7, numpy 2.4.6, ..." for a report."""
    cpu = record.get("cpu") or {}
    packages = record.get("packages") or {}
    versions = ", ".join(f"{name} {version}" for name, version in packages.items() if version)
    return (
        f"{cpu.get('model', '?')} (bf16 kernels: {cpu.get('bf16_kernels', '?')}); "
        f"Python {record.get('python', '?')}" + (f", {versions}" if versions else "")
    )


def describe(env: dict[str, Any]) -> str:
    """One line on a training run: "cpu, 2 threads, 1 process(es), bf16 autocast: <describe_machine>"."""
    where = (
        f"gpu {env.get('gpu')}" if env.get("device") == "cuda" else f"cpu, {env.get('threads', '?')} threads"
    )
    precision = "bf16 autocast" if env.get("bf16") else "fp32"
    return f"{where}, {env.get('processes', 1)} process(es), {precision}: {describe_machine(env)}"
