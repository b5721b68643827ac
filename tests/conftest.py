"""Shared fixtures. Everything here is offline and CPU-only."""

from __future__ import annotations

import os

# litellm tries to fetch its model cost map from the internet at import; use its bundled copy.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


# --------------------------------------------------------------------------------------------------
# Tiny Qwen3 model and tokenizer (toolmind.testing.tiny_qwen3), built once per test session.
# --------------------------------------------------------------------------------------------------

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest


@pytest.fixture(scope="session")
def tiny_tokenizer() -> Any:
    """The small Qwen3-style BPE tokenizer with all Qwen3 added tokens and toolmind's chat template."""
    from toolmind.testing.tiny_qwen3 import build_tokenizer

    return build_tokenizer()


@pytest.fixture(scope="session")
def tiny_qwen3_dir(tmp_path_factory: pytest.TempPathFactory, tiny_tokenizer: Any) -> Path:
    """A saved random tiny Qwen3ForCausalLM (hidden 64, 2 layers) + tokenizer; loads offline."""
    from toolmind.testing.tiny_qwen3 import build_tiny_qwen3

    return build_tiny_qwen3(tmp_path_factory.mktemp("tiny_qwen3"), tokenizer=tiny_tokenizer)


# --------------------------------------------------------------------------------------------------
# The scripts in benchmarks/ (not a package), loaded by file for the tests of their logic.
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def benchmark_script() -> Callable[[str], ModuleType]:
    """A loader: `benchmark_script("value_spelling")` is benchmarks/value_spelling.py as a module."""

    def load(name: str) -> ModuleType:
        key = f"benchmarks_{name}"  # not to be mistaken for an installed module of that name
        if key in sys.modules:
            return sys.modules[key]
        path = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(key, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
        return module

    return load
