"""LoRA runs: save the adapter merged into the base weights, a plain checkpoint evaluation loads directly.

A PEFT run's `output_dir` holds the adapter (small, the standard output). Evaluation backends (vLLM, the
local transformers backend) want full weights, so with `merge_lora` the trained adapter is folded into a
copy of the base model and saved, with the tokenizer and chat template, under `<output_dir>/merged`.
Under ZeRO-3 the weights are sharded across processes; merge offline there instead
(`PeftModel.from_pretrained(base, output_dir).merge_and_unload()`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

MERGED_DIR = "merged"


def save_merged(trainer: Any, tokenizer: Any, output_dir: str | Path) -> Path | None:
    """Merge the trained LoRA adapter into its base weights and save them; returns the directory.

    Returns None (and logs why) under DeepSpeed ZeRO-3, where no process holds the full weights.
    Only the main process writes.
    """
    from transformers.integrations.deepspeed import is_deepspeed_zero3_enabled

    if is_deepspeed_zero3_enabled():
        logger.warning("merge_lora skipped under ZeRO-3: merge the adapter in %s offline", output_dir)
        return None
    target = Path(output_dir) / MERGED_DIR
    if trainer.accelerator.is_main_process:
        model = trainer.accelerator.unwrap_model(trainer.model)
        merged = model.merge_and_unload()
        merged.save_pretrained(target)
        tokenizer.save_pretrained(target)
        logger.info("saved the base model with the merged LoRA adapter to %s", target)
    trainer.accelerator.wait_for_everyone()
    return target
