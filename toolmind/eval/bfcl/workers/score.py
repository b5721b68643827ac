"""Run the official BFCL scorer on one result folder (scorer environment only, one process per run).

usage: score.py RESULT_DIR SCORE_DIR MODEL CATEGORIES PARTIAL [REGISTRY]
       score.py --check-registry MODEL
CATEGORIES is comma-separated; PARTIAL is 1 when the result files hold a sample of each category.

REGISTRY "lean" (default) registers only MODEL before the scorer is imported: the official
`bfcl_eval.constants.model_config` imports every vendor SDK (anthropic, cohere, google-genai, ...) to
build its table, about 7 s of the scorer's start-up, while scoring needs one entry: the model's handler
(its decoder) and flags. The entry is copied field by field from the official table's definition of
MODEL (`--check-registry` compares them); the scoring code itself is the official one, unchanged.
REGISTRY "full" imports the official table as is.
"""

import contextlib
import dataclasses
import statistics
import sys
import types

# MODEL -> (handler module, handler class, model_name, display_name, url, org, license, is_fc, underscore_to_dot)
LEAN_ENTRIES = {
    "Qwen/Qwen3-8B-FC": (
        "bfcl_eval.model_handler.local_inference.qwen_fc",
        "QwenFCHandler",
        "Qwen/Qwen3-8B",
        "Qwen3-8B (FC)",
        "https://huggingface.co/Qwen/Qwen3-8B",
        "Qwen",
        "apache-2.0",
        True,
        False,
    ),
}


@dataclasses.dataclass
class ModelConfig:
    """Same fields as the official `ModelConfig`."""

    model_name: str
    display_name: str
    url: str
    org: str
    license: str
    model_handler: type
    input_price: float | None = None
    output_price: float | None = None
    is_fc_model: bool = True
    underscore_to_dot: bool = False


def lean_config(model: str) -> ModelConfig:
    import importlib

    module, cls, name, display, url, org, lic, is_fc, u2d = LEAN_ENTRIES[model]
    handler = getattr(importlib.import_module(module), cls)
    return ModelConfig(name, display, url, org, lic, handler, None, None, is_fc, u2d)


def install_lean_registry(model: str) -> None:
    registry = types.ModuleType("bfcl_eval.constants.model_config")
    registry.ModelConfig = ModelConfig  # type: ignore[attr-defined]
    registry.MODEL_CONFIG_MAPPING = {model: lean_config(model)}  # type: ignore[attr-defined]
    sys.modules["bfcl_eval.constants.model_config"] = registry


def check_registry(model: str) -> None:
    lean = dataclasses.asdict(lean_config(model))
    from bfcl_eval.constants.model_config import MODEL_CONFIG_MAPPING

    official = dataclasses.asdict(MODEL_CONFIG_MAPPING[model])
    if lean != official:
        sys.exit(f"lean registry entry differs from the official one:\n{lean}\n{official}")


def run() -> None:
    if sys.argv[1] == "--check-registry":
        check_registry(sys.argv[2])
        return
    result_dir, score_dir, model, categories, partial = sys.argv[1:6]
    registry = sys.argv[6] if len(sys.argv) > 6 else "lean"
    if registry == "lean":
        install_lean_registry(model)
    from bfcl_eval.eval_checker.eval_runner import main as evaluate

    with contextlib.redirect_stdout(sys.stderr):
        try:
            evaluate([model], categories.split(","), result_dir, score_dir, partial_eval=partial == "1")
        except statistics.StatisticsError as exc:
            # The leaderboard CSV's latency statistics need >= 2 entries; the per-category score files
            # are already written by then, so only data_overall.csv is missing.
            sys.stderr.write(f"leaderboard CSV skipped: {exc}\n")


if __name__ == "__main__":
    run()
