"""Every training recipe parses into its dataclasses; the GPU recipes resolve without a GPU."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolmind import cli
from toolmind.train.config import ScriptArguments

RECIPES = Path(__file__).resolve().parents[1] / "recipes"
SFT_RECIPES = sorted(RECIPES.glob("*/sft/*.yaml"))
ACCELERATE_CONFIGS = sorted((RECIPES / "accelerate_configs").glob("*.yaml"))


def test_recipe_set_is_complete() -> None:
    names = {p.stem for p in ACCELERATE_CONFIGS}
    assert {"ddp", "zero2", "zero3", "zero3_offload", "cpu_ddp"} <= names
    models = {p.parent.parent.name for p in SFT_RECIPES}
    assert {"Qwen3-8B", "Qwen3-14B", "tiny", "SmolLM2-135M"} <= models


@pytest.mark.parametrize("path", ACCELERATE_CONFIGS, ids=lambda p: p.stem)
def test_accelerate_configs_parse(path: Path) -> None:
    from accelerate.commands.config.config_args import ClusterConfig, load_config_from_file

    config = load_config_from_file(str(path))
    assert isinstance(config, ClusterConfig)
    assert config.num_processes >= 2
    if path.stem.startswith("zero"):
        assert config.deepspeed_config["zero_stage"] in (2, 3)
    if path.stem == "cpu_ddp":
        # MULTI_GPU on purpose: `--cpu` would start a single process (REFERENCE §6).
        assert str(config.distributed_type).endswith("MULTI_GPU") and config.mixed_precision == "no"


@pytest.mark.parametrize("path", SFT_RECIPES, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_sft_recipes_parse_and_dry_run(path: Path) -> None:
    from trl import ModelConfig, SFTConfig

    from toolmind.train.sft import main, parse_args

    script_args, training_args, model_args = parse_args(["--config", str(path), "--dry_run"])
    assert isinstance(script_args, ScriptArguments)
    assert isinstance(training_args, SFTConfig) and isinstance(model_args, ModelConfig)
    assert model_args.model_name_or_path and script_args.dataset_path
    assert script_args.mask_mode in ("per_turn", "multi_turn")
    header = path.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("#"), f"{path}: recipes start with a header comment"
    summary = main(script_args, training_args, model_args)
    assert summary["global_batch_size"] == (
        training_args.per_device_train_batch_size
        * training_args.gradient_accumulation_steps
        * summary["world_size"]
    )


@pytest.mark.parametrize(
    ("model", "stage"), [("Qwen3-8B", 2), ("Qwen3-14B", 3)], ids=["Qwen3-8B", "Qwen3-14B"]
)
def test_paper_recipes_dry_run_through_the_cli(
    model: str, stage: int, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe = RECIPES / model / "sft" / "config_toolmind.yaml"
    assert cli.main(["train", "--config", str(recipe), "--dry-run"]) == 0
    summary = json.loads(capsys.readouterr().out)
    # The paper's setting (REFERENCE §1): lr 5e-6, 3 % warm-up, global batch 64, 64K context, bf16.
    assert summary["model"] == f"Qwen/{model}"
    assert summary["learning_rate"] == 5e-6 and summary["warmup"] == 0.03
    assert summary["global_batch_size"] == 64 and summary["world_size"] == 8
    assert summary["max_length"] == 65536 and summary["bf16"] and summary["activation_checkpointing"]
    ds = summary["deepspeed_config"]
    assert ds["zero_optimization"]["stage"] == stage
    assert ds["train_batch_size"] == 64
    assert ds["train_micro_batch_size_per_gpu"] == 1 and ds["gradient_accumulation_steps"] == 8
    assert ds["bf16"] == {"enabled": True} and ds["gradient_clipping"] == 1.0


def test_cli_overrides_and_inconsistent_precision(capsys: pytest.CaptureFixture[str]) -> None:
    recipe = RECIPES / "Qwen3-14B" / "sft" / "config_toolmind.yaml"
    argv = ["train", "--config", str(recipe), "--dry-run", "--set", "gradient_accumulation_steps=4"]
    assert cli.main(argv) == 0
    assert json.loads(capsys.readouterr().out)["global_batch_size"] == 32
    with pytest.raises(ValueError, match="bf16"):
        cli.main(["train", "--config", str(recipe), "--dry-run", "--set", "bf16=false"])
    with pytest.raises(ValueError, match="weight_average keeps whole weights"):
        cli.main(["train", "--config", str(recipe), "--dry-run", "--set", "weight_average=0.98"])


def test_script_arguments_validate() -> None:
    with pytest.raises(ValueError, match="mask_mode"):
        ScriptArguments(mask_mode="all")
    with pytest.raises(ValueError, match="bare_tool_fraction"):
        ScriptArguments(bare_tool_fraction=1.5)
    with pytest.raises(ValueError, match="weight_average"):
        ScriptArguments(weight_average=1.0)
