"""Supervised fine-tuning on toolmind data with TRL's SFTTrainer.

Single process:

    python -m toolmind.train.sft --config recipes/tiny/sft/config_tiny.yaml

8 GPUs with DeepSpeed ZeRO-3 (the ToolMind setting):

    accelerate launch --config_file recipes/accelerate_configs/zero3.yaml -m toolmind.train.sft \\
        --config recipes/Qwen3-14B/sft/config_toolmind.yaml

One YAML fills three dataclasses: toolmind's `ScriptArguments` (data, masks, tool format), TRL's
`SFTConfig` (optimisation, checkpoints, packing) and TRL's `ModelConfig` (model, dtype, LoRA); any field
can be overridden on the command line (`--learning_rate 1e-5`).

The data is tokenized here, with per-turn loss masks (`toolmind.data.tokenize`), and handed to TRL as
`input_ids` + `labels`, which TRL keeps bit for bit. Checkpoints carry the tokenizer with toolmind's Qwen3
chat template, so evaluation loads them directly; a run restarted with the same `output_dir` resumes from
its last checkpoint.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from toolmind.train.config import ScriptArguments

logger = logging.getLogger(__name__)

END_OF_TURN = "<|im_end|>"
MANIFEST = "toolmind_train.json"


def make_parser() -> Any:
    """The TrlParser over (ScriptArguments, SFTConfig, ModelConfig)."""
    from trl import ModelConfig, SFTConfig, TrlParser

    dataclass_types: list[Any] = [ScriptArguments, SFTConfig, ModelConfig]
    return TrlParser(dataclass_types)


def parse_args(argv: list[str] | None = None) -> tuple[ScriptArguments, Any, Any]:
    """Parse `--config recipe.yaml` plus command-line overrides into the three dataclasses."""
    parser = make_parser()
    script_args, training_args, model_args = parser.parse_args_and_config(args=_cpu_dry_run(argv))
    return script_args, training_args, model_args


def _cpu_dry_run(argv: list[str] | None) -> list[str] | None:
    """A dry run of a bf16 GPU recipe on a machine without a GPU: parse it with `use_cpu` so that
    `TrainingArguments` accepts bf16 (the dry run never trains)."""
    import torch

    args = list(sys.argv[1:] if argv is None else argv)
    if "--dry_run" in args and "--use_cpu" not in args and not torch.cuda.is_available():
        return [*args, "--use_cpu", "true"]
    return argv


def last_checkpoint(output_dir: str) -> str | None:
    """The newest `checkpoint-N` directory in `output_dir`, or None."""
    from transformers.trainer_utils import get_last_checkpoint

    if not os.path.isdir(output_dir):
        return None
    found: str | None = get_last_checkpoint(output_dir)
    return found


def load_tokenizer(script_args: ScriptArguments, model_args: Any) -> Any:
    """The model's tokenizer with toolmind's chat template and `<|im_end|>` as end of turn."""
    from transformers import AutoTokenizer

    from toolmind.train.template import attach_chat_template

    tokenizer = AutoTokenizer.from_pretrained(
        model_args.model_name_or_path, revision=model_args.model_revision
    )
    attach_chat_template(tokenizer, script_args.chat_template_file)
    if END_OF_TURN not in tokenizer.get_vocab():
        raise ValueError(
            f"{model_args.model_name_or_path}: the tokenizer has no {END_OF_TURN!r} token, which the Qwen3 chat "
            "format ends every turn with (for SmolLM2 use `toolmind train convert-smollm2`)"
        )
    tokenizer.eos_token = END_OF_TURN
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def _tokenize_config(script_args: ScriptArguments, training_args: Any) -> Any:
    from toolmind.data.tokenize import TokenizeConfig

    return TokenizeConfig(
        mask_mode=script_args.mask_mode,
        tool_format=script_args.tool_format,
        bare_tool_fraction=script_args.bare_tool_fraction,
        bare_types=script_args.bare_types,
        bare_description_suffix=script_args.bare_description_suffix,
        seed=training_args.seed,
        max_length=training_args.max_length,
        overlong_policy=script_args.overlong_policy,
        reasoning=script_args.reasoning,
        result_replies=script_args.result_replies,
    )


def _log_padding(train_dataset: Any, training_args: Any) -> None:
    from toolmind.data.packing import padded_batches

    lengths = [len(ids) for ids in train_dataset["input_ids"]]
    padded = padded_batches(lengths, training_args.per_device_train_batch_size, seed=training_args.seed)
    mode = "padding-free" if training_args.padding_free or training_args.packing else "padded"
    logger.info(
        "%d samples, %d tokens (longest %d); padded batches of %d would spend %.0f%% of compute on padding; "
        "this run is %s",
        len(lengths),
        padded.real_tokens,
        max(lengths),
        training_args.per_device_train_batch_size,
        100 * padded.waste,
        mode,
    )
    attention = training_args.model_init_kwargs or {}
    if mode == "padding-free" and "flash" not in str(attention.get("attn_implementation")):
        logger.info(
            "padding-free without a flash-attention (varlen) kernel: attention runs over the whole "
            "concatenated row with a block-diagonal mask, so it pays off only where per-token compute "
            "dominates attention (see docs/train.md, Performance)"
        )


def main(script_args: ScriptArguments, training_args: Any, model_args: Any) -> dict[str, Any]:
    """Train (or, with `dry_run`, only resolve the configs); returns a summary of the run."""
    if script_args.dry_run:
        from toolmind.train.dry_run import dry_run

        return dry_run(script_args, training_args, model_args)

    from transformers import set_seed
    from trl import SFTTrainer, get_peft_config

    from toolmind.environment import training_environment
    from toolmind.train.dataset import build_sft_dataset
    from toolmind.train.trainer import LabelledHeadSFTTrainer

    if not script_args.dataset_path:
        raise ValueError("dataset_path is empty: give toolmind JSONL files/directories or a saved dataset")
    if script_args.train_top_layers and model_args.use_peft:
        raise ValueError("train_top_layers and use_peft both choose what trains: set only one of them")
    if script_args.sample_order in ("id_hash", "balanced"):
        if training_args.train_sampling_strategy not in ("random", "sequential"):
            raise ValueError(
                f"sample_order {script_args.sample_order!r} fixes the order itself; it cannot be combined with "
                f"train_sampling_strategy {training_args.train_sampling_strategy!r}"
            )
        # The dataset comes sorted; the trainer must not reshuffle it.
        training_args.train_sampling_strategy = "sequential"
    set_seed(training_args.seed)
    tokenizer = load_tokenizer(script_args, model_args)
    tokenize_config = _tokenize_config(script_args, training_args)
    train_dataset, report = build_sft_dataset(
        script_args.dataset_path, tokenizer, tokenize_config, order=script_args.sample_order
    )
    eval_dataset = None
    if training_args.eval_strategy != "no" and script_args.eval_dataset_path:
        eval_dataset, _ = build_sft_dataset(
            script_args.eval_dataset_path, tokenizer, tokenize_config, split="validation"
        )
    if training_args.padding_free and not training_args.packing:
        # Lengths are already enforced by tokenization (overlong samples skipped, never cut), and TRL
        # refuses padding-free without packing while max_length is set.
        training_args.max_length = None

    training_args.model_init_kwargs = {
        "revision": model_args.model_revision,
        "dtype": model_args.dtype,
        "attn_implementation": model_args.attn_implementation,
        **(training_args.model_init_kwargs or {}),
    }
    _log_padding(train_dataset, training_args)
    trainer_args: dict[str, Any] = {
        "model": model_args.model_name_or_path,
        "args": training_args,
        "train_dataset": train_dataset,
        "eval_dataset": eval_dataset,
        "processing_class": tokenizer,
        "peft_config": get_peft_config(model_args),
    }
    if script_args.labelled_head:
        trainer: Any = LabelledHeadSFTTrainer(**trainer_args, decision_weight=script_args.decision_weight)
    else:
        trainer = SFTTrainer(**trainer_args)
    # The end-of-turn token (and <|endoftext|>, as in Qwen3 checkpoints) stops generation of the saved model.
    model: Any = trainer.model
    if script_args.train_top_layers:
        from toolmind.train.freeze import train_top_layers

        train_top_layers(model, script_args.train_top_layers)
    vocab = tokenizer.get_vocab()
    model.generation_config.eos_token_id = [vocab[t] for t in (END_OF_TURN, "<|endoftext|>") if t in vocab]
    resume = training_args.resume_from_checkpoint or last_checkpoint(training_args.output_dir)
    if resume:
        logger.info("resuming from %s", resume)
    if script_args.weight_average:
        from toolmind.train.averaging import WeightAverage

        zero3 = trainer.is_deepspeed_enabled and trainer.accelerator.state.deepspeed_plugin.zero_stage == 3
        if zero3 or trainer.is_fsdp_enabled:
            raise ValueError(
                "weight_average keeps whole weights; ZeRO-3/FSDP ranks hold shards: turn one off"
            )
        trainer.add_callback(WeightAverage(model, script_args.weight_average, resume_from=resume))
    result = trainer.train(resume_from_checkpoint=resume)
    trainer.save_model(training_args.output_dir)
    merged = None
    if model_args.use_peft and script_args.merge_lora:
        from toolmind.train.lora import save_merged

        merged = save_merged(trainer, tokenizer, training_args.output_dir)
    summary: dict[str, Any] = {
        "output_dir": training_args.output_dir,
        "merged_dir": str(merged) if merged else None,
        "resumed_from": resume,
        "train_samples": len(train_dataset),
        "data": {
            "conversations": report.stats.conversations,
            "samples": report.stats.samples,
            "tokens": report.stats.tokens,
            "label_tokens": report.stats.label_tokens,
            "skipped_no_trainable": report.stats.skipped_no_trainable,
            "skipped_overlong": report.stats.skipped_overlong,
            "bad_records": report.bad_records,
            "pretokenized_rows": report.pretokenized_rows,
        },
        "metrics": result.metrics,
        "environment": training_environment(
            use_cpu=training_args.use_cpu,
            bf16=training_args.bf16,
            processes=trainer.accelerator.num_processes,
        ),
        "script_args": script_args.summary(),
        "log_history": trainer.state.log_history,
    }
    if trainer.accelerator.is_main_process:
        path = Path(training_args.output_dir) / MANIFEST
        path.write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
        logger.info("training done; model, tokenizer and %s in %s", MANIFEST, training_args.output_dir)
    trainer.end()
    return summary


def cli(argv: list[str] | None = None) -> int:
    """`python -m toolmind.train.sft` / `accelerate launch -m toolmind.train.sft`."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S"
    )
    main(*parse_args(argv))
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        # Everything is written and the process group destroyed (trainer.end()). On CPU (gloo) a rank
        # sometimes aborts at interpreter exit ("terminate called without an active exception": a
        # thread still joinable in a C++ destructor), failing a finished run; seen in about one of
        # three two-process test runs here. Leave without running those destructors.
        sys.stdout.flush()
        sys.stderr.flush()
        logging.shutdown()
        os._exit(0)
    return 0


if __name__ == "__main__":
    sys.exit(cli())
