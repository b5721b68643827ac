"""toolmind's own training arguments, parsed together with TRL's `SFTConfig` and `ModelConfig`.

One YAML recipe fills all three dataclasses (`TrlParser` shares one namespace between YAML and the
command line), so a recipe reads as a flat list of fields; every field below is documented.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The choices live with the tokenizer that implements them; the recipe fields below offer the same.
from toolmind.data.tokenize import (
    BARE_TYPES,
    MASK_MODES,
    OVERLONG_POLICIES,
    REASONING_MODES,
    RESULT_REPLIES,
    TOOL_FORMATS,
)
from toolmind.train.dataset import SAMPLE_ORDERS


@dataclass
class ScriptArguments:
    """Data and tokenization arguments of `toolmind.train.sft`."""

    dataset_path: list[str] = field(
        default_factory=list,
        metadata={
            "help": "Training data: toolmind trajectory JSONL files, directories of them (every *.jsonl inside, "
            "sorted), or directories written by `datasets.Dataset.save_to_disk` (with `messages`/`tools` "
            "columns, or already tokenized `input_ids`/`labels`). Several paths are concatenated."
        },
    )
    eval_dataset_path: list[str] = field(
        default_factory=list,
        metadata={
            "help": "Evaluation data, same forms as `dataset_path`; used when `eval_strategy` is not 'no'."
        },
    )
    mask_mode: str = field(
        default="per_turn",
        metadata={
            "help": "How conversations become samples. 'per_turn' (paper-faithful): one sample per trainable "
            "assistant turn, the conversation up to that turn rendered as the model sees it at inference "
            "(earlier reasoning dropped), loss on that turn only. 'multi_turn': one sample per conversation, "
            "all trainable turns labelled, earlier reasoning kept so the text is one prefix-consistent "
            "sequence (far fewer tokens). 'first_turn': one sample per conversation cut after its first "
            "trainable turn, loss on that turn only (the opening request and its answer: the shape of a "
            "single-turn benchmark entry).",
            "choices": list(MASK_MODES),
        },
    )
    tool_format: str = field(
        default="openai",
        metadata={
            "help": "How tools are listed in the system turn. 'openai': the OpenAI spec "
            '{"type": "function", "function": {...}} (what Qwen3\'s template shows). \'bare\': the bare '
            'function dict {"name", "description", "parameters"} (what the official BFCL Qwen handler shows '
            "at evaluation time). 'mixed': a seeded per-sample choice between the two "
            "(`bare_tool_fraction`).",
            "choices": list(TOOL_FORMATS),
        },
    )
    bare_tool_fraction: float = field(
        default=0.5,
        metadata={"help": "With tool_format='mixed': the share of samples rendered with bare tool dicts."},
    )
    bare_types: str = field(
        default="json",
        metadata={
            "help": "Type names in bare tool dicts: 'json' (JSON Schema: object, number) or 'python' (dict, float: "
            "how BFCL's function docs and xLAM-style specs spell them).",
            "choices": list(BARE_TYPES),
        },
    )
    bare_description_suffix: str = field(
        default="",
        metadata={
            "help": "Text appended to every function description in bare tool dicts ('' = none). BFCL's "
            "loader appends ' Note that the provided function is in Python 3 syntax.' to each one, so a "
            "recipe evaluated on BFCL can train on the descriptions as the benchmark shows them."
        },
    )
    reasoning: str = field(
        default="keep",
        metadata={
            "help": "The assistant turns' reasoning_content: 'keep' (trained inside <think>, the ToolMind "
            "data as synthesized) or 'drop' (removed before rendering: the model learns to answer or call "
            "at once; the evaluation prompt is unchanged). A 135M model gains from 'drop' (docs/train.md).",
            "choices": list(REASONING_MODES),
        },
    )
    result_replies: str = field(
        default="train",
        metadata={
            "help": "The assistant turns that answer from a tool result (no call, right after a tool turn): "
            "'train' (labelled like every trainable turn, the ToolMind setting) or 'mask' (kept in context, "
            "unlabelled: the loss goes to calling, asking and declining; a multi_turn sample then ends at "
            "its last call or reply to the user). The sample order is unchanged (docs/train.md).",
            "choices": list(RESULT_REPLIES),
        },
    )
    overlong_policy: str = field(
        default="skip",
        metadata={
            "help": "What to do with a sample longer than `max_length` (SFTConfig): 'skip' drops it and counts "
            "it in the log; 'error' stops. Samples are never truncated (a cut sample can lose its labels).",
            "choices": list(OVERLONG_POLICIES),
        },
    )
    sample_order: str = field(
        default="shuffle",
        metadata={
            "help": "'shuffle': the trainer's seeded shuffle (`train_sampling_strategy`). 'id_hash': samples "
            "sorted by a seeded hash of their trajectory id and turns and read in that order, so any two "
            "samples keep their relative order in every subset of the data (ablation rows that drop a few "
            "trajectories then train on the same conversations in the same order; every epoch repeats it). "
            "'balanced': 'id_hash' within strata by numbers of labelled no-call and call turns, interleaved so that "
            "every prefix of the order has the data's mix of calling and not calling (a run that stops "
            "before the end of the data sees that mix, not a draw from it).",
            "choices": list(SAMPLE_ORDERS),
        },
    )
    labelled_head: bool = field(
        default=True,
        metadata={
            "help": "Apply the LM head only at positions whose next token is labelled "
            "(`toolmind.train.trainer`): the same loss as TRL's, without projecting the unlabelled tool lists, "
            "user turns and tool results onto the vocabulary. False: TRL's own fused LM head over every position."
        },
    )
    decision_weight: float = field(
        default=1.0,
        metadata={
            "help": "Loss weight of each trained assistant turn's deciding token (its first after a think block: "
            "`<tool_call>` or the answer's first word; `toolmind.train.trainer`); the turn's other tokens "
            "weigh 1. 1.0: the plain loss. Needs labelled_head."
        },
    )
    weight_average: float = field(
        default=0.0,
        metadata={
            "help": "Save the exponential moving average of the trained weights over the optimizer steps, with this "
            "decay per step (0.98: about the last 50 steps), instead of the last step's weights "
            "(`toolmind.train.averaging`). 0: off, the last weights. Not with ZeRO-3 or FSDP."
        },
    )
    train_top_layers: int | None = field(
        default=None,
        metadata={
            "help": "Train only the top N decoder layers and the LM head (`toolmind.train.freeze`); the lower "
            "layers and the input embedding stay frozen, so the backward pass stops early (about 2x faster per "
            "step at N = 1/3 of the layers). None: full fine-tuning. A CPU-budget knob for the demo."
        },
    )
    chat_template_file: str | None = field(
        default=None,
        metadata={
            "help": "Jinja chat template saved with the tokenizer in every checkpoint; default: toolmind's "
            "Qwen3 template (toolmind/chat/templates/qwen3.jinja), the one the training text is rendered with."
        },
    )
    merge_lora: bool = field(
        default=True,
        metadata={
            "help": "With use_peft: also save the base model with the trained adapter merged in, under "
            "<output_dir>/merged (full weights + tokenizer + chat template, what evaluation loads). "
            "Skipped under ZeRO-3."
        },
    )
    accelerate_config: str | None = field(
        default=None,
        metadata={
            "help": "The accelerate config this recipe is meant for (documentation and `--dry_run`: the global "
            "batch and DeepSpeed config are computed for its process count). Launch with the same file."
        },
    )
    dry_run: bool = field(
        default=False,
        metadata={
            "help": "Build and log the resolved configs (global batch, DeepSpeed config) and exit without "
            "loading the model or the data. Needs no GPU."
        },
    )

    def __post_init__(self) -> None:
        for name, value, allowed in (
            ("mask_mode", self.mask_mode, MASK_MODES),
            ("tool_format", self.tool_format, TOOL_FORMATS),
            ("bare_types", self.bare_types, BARE_TYPES),
            ("overlong_policy", self.overlong_policy, OVERLONG_POLICIES),
            ("reasoning", self.reasoning, REASONING_MODES),
            ("result_replies", self.result_replies, RESULT_REPLIES),
            ("sample_order", self.sample_order, SAMPLE_ORDERS),
        ):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {list(allowed)}, got {value!r}")
        if self.decision_weight <= 0:
            raise ValueError(f"decision_weight must be > 0, got {self.decision_weight}")
        if self.decision_weight != 1.0 and not self.labelled_head:
            raise ValueError("decision_weight needs labelled_head: TRL's own loss has no per-token weights")
        if not 0.0 <= self.weight_average < 1.0:
            raise ValueError(f"weight_average must be in [0, 1), got {self.weight_average}")
        if not 0.0 <= self.bare_tool_fraction <= 1.0:
            raise ValueError(f"bare_tool_fraction must be in [0, 1], got {self.bare_tool_fraction}")
        # A single path given on the command line arrives as a string.
        if isinstance(self.dataset_path, str):
            self.dataset_path = [self.dataset_path]
        if isinstance(self.eval_dataset_path, str):
            self.eval_dataset_path = [self.eval_dataset_path]

    def summary(self) -> dict[str, Any]:
        """Fields as a plain dict (for manifests and logs)."""
        return dict(self.__dict__)
