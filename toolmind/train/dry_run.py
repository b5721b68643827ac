"""Resolve a recipe without a GPU: parsed configs, global batch arithmetic and the DeepSpeed config.

`accelerate launch --config_file X` turns the accelerate YAML into a DeepSpeed plugin, and transformers
fills the plugin's "auto" values from `TrainingArguments` (`HfTrainerDeepSpeedConfig`). The dry run does
the same with the recipe's `accelerate_config`, for that file's process count, so a mistake in a recipe for
8 GPUs shows on a laptop. Values that depend on the model's hidden size (ZeRO-3 bucket sizes) stay "auto":
DeepSpeed resolves them when the model is loaded.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml

from toolmind.train.config import ScriptArguments

logger = logging.getLogger(__name__)


def load_accelerate_config(path: str | Path) -> dict[str, Any]:
    """Read an accelerate YAML config.

    Raises:
        FileNotFoundError / ValueError: missing file or not a mapping.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"accelerate config {p} does not exist")
    data = yaml.safe_load(p.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{p}: expected a mapping of accelerate settings")
    return data


def deepspeed_config(accelerate: dict[str, Any], training_args: Any, world_size: int) -> dict[str, Any]:
    """The DeepSpeed config accelerate + transformers would build, "auto" values filled from the args."""
    from accelerate.utils import DeepSpeedPlugin
    from transformers.integrations.deepspeed import HfTrainerDeepSpeedConfig

    ds = accelerate.get("deepspeed_config", {})
    plugin = DeepSpeedPlugin(
        zero_stage=int(ds.get("zero_stage", 2)),
        offload_optimizer_device=ds.get("offload_optimizer_device", "none"),
        offload_param_device=ds.get("offload_param_device", "none"),
        zero3_init_flag=bool(ds.get("zero3_init_flag", False)),
        zero3_save_16bit_model=bool(ds.get("zero3_save_16bit_model", False)),
        gradient_accumulation_steps=training_args.gradient_accumulation_steps,
        gradient_clipping=training_args.max_grad_norm,
    )
    config = dict(plugin.deepspeed_config)
    config["bf16"] = {"enabled": "auto"}
    config["fp16"] = {"enabled": "auto"}
    hf_config = HfTrainerDeepSpeedConfig(config)
    hf_config.trainer_config_process(training_args)
    resolved = hf_config.config
    # transformers fills train_batch_size for the world size it runs in; the dry run runs alone.
    resolved["train_batch_size"] = (
        training_args.per_device_train_batch_size * training_args.gradient_accumulation_steps * world_size
    )
    if resolved.get("steps_per_print") == float("inf"):
        resolved["steps_per_print"] = 2**31 - 1  # keep the dict JSON-serialisable
    return resolved


def dry_run(script_args: ScriptArguments, training_args: Any, model_args: Any) -> dict[str, Any]:
    """Everything a launch would resolve before loading the model; raises on inconsistent settings.

    Returns:
        A JSON-serialisable summary: world size, global batch, precision, the DeepSpeed config (if any).
    """
    accelerate: dict[str, Any] = {}
    if script_args.accelerate_config:
        accelerate = load_accelerate_config(script_args.accelerate_config)
    world_size = int(accelerate.get("num_processes", 1))
    per_device = training_args.per_device_train_batch_size
    accumulation = training_args.gradient_accumulation_steps
    mixed = accelerate.get("mixed_precision", "no")
    if mixed == "bf16" and not training_args.bf16:
        raise ValueError("accelerate config uses bf16 mixed precision but the recipe sets bf16: false")
    if training_args.bf16 and mixed not in ("bf16", None) and accelerate:
        raise ValueError(
            f"the recipe sets bf16: true but the accelerate config has mixed_precision={mixed!r}"
        )
    zero_stage = int(accelerate.get("deepspeed_config", {}).get("zero_stage", 2))
    sharded = accelerate.get("distributed_type") == "FSDP" or (
        accelerate.get("distributed_type") == "DEEPSPEED" and zero_stage == 3
    )
    if script_args.weight_average and sharded:
        raise ValueError("weight_average keeps whole weights; ZeRO-3/FSDP ranks hold shards: turn one off")
    summary: dict[str, Any] = {
        "model": model_args.model_name_or_path,
        "use_peft": model_args.use_peft,
        "dtype": model_args.dtype,
        "distributed_type": accelerate.get("distributed_type", "NO"),
        "world_size": world_size,
        "per_device_train_batch_size": per_device,
        "gradient_accumulation_steps": accumulation,
        "global_batch_size": per_device * accumulation * world_size,
        "learning_rate": training_args.learning_rate,
        "warmup": training_args.warmup_steps,
        "lr_scheduler_type": getattr(
            training_args.lr_scheduler_type, "value", training_args.lr_scheduler_type
        ),
        "max_length": training_args.max_length,
        "bf16": training_args.bf16,
        "activation_checkpointing": training_args.activation_checkpointing,
        "mask_mode": script_args.mask_mode,
        "tool_format": script_args.tool_format,
        "weight_average": script_args.weight_average,
        "dataset_path": list(script_args.dataset_path),
        "output_dir": training_args.output_dir,
    }
    if accelerate.get("distributed_type") == "DEEPSPEED":
        summary["deepspeed_config"] = deepspeed_config(accelerate, training_args, world_size)
    logger.info("dry run: %s", summary)
    return summary
