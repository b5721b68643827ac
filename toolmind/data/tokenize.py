"""Trajectories → `input_ids` + `labels` with per-turn loss masks, rendered by `toolmind.chat`.

The text is what the model sees and produces at inference (`toolmind.chat.render_segments`); only the
text a trainable assistant turn *generates* carries labels: its reasoning, reply, tool calls and
`<|im_end|>`. System, user and tool turns, generation prompts and masked (`train=False`) assistant turns
get -100 (STYLE principle 6).

Three ways to cut a conversation into samples:

- `per_turn` (paper-faithful, the released ToolMind data): one sample per trainable assistant turn *i*,
  `messages[: i + 1]` rendered exactly as the prompt the model gets when it produces turn *i* (reasoning
  of turns before the last user query dropped), loss on turn *i* only.
- `multi_turn`: one sample per conversation, every trainable turn labelled. Each assistant turn appears as
  the model generated it (with its reasoning), so every labelled turn sees a prefix that is one consistent
  token stream; the conversation ends at its last trainable turn. Several times fewer tokens than
  `per_turn` on long conversations, at the price of showing older reasoning in context.
- `first_turn`: one sample per conversation, cut after its first trainable turn, loss on that turn only:
  the opening request and its answer, the shape of a single-turn benchmark entry (BFCL's simple and
  multiple categories). On the demo's data a fixed token budget sees ~1.5x as many opening requests
  (a sample is 65% of its conversation's tokens, most of them the tool list) but only one label per
  conversation where multi_turn has ~2.9, so at equal tokens it trains fewer labels (recipes/README.md).

`result_replies="mask"` leaves the assistant turns that answer from a tool result (no call, right after a
tool turn) in context but unlabelled, so the loss is spent on deciding: calling, asking, declining. The
ToolMind data trains them (the default); a budget of a few hundred steps scored on single-turn calls
(the CPU demo) may not want to (docs/train.md).

Tokenization is piecewise: the prompt text before a labelled turn is tokenized as one string and the
turn's text as another, which is exactly how a model sees a prompt and then generates a turn.

Bad data is reported, never trained on silently: a record without a trainable turn and a sample longer
than `max_length` are skipped and counted (or raise with `overlong_policy="error"`), never truncated into
a sample whose labels are all -100.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from toolmind.chat import render_segments
from toolmind.schema import Message, Trajectory

logger = logging.getLogger(__name__)

IGNORE_INDEX = -100
MASK_MODES = ("per_turn", "multi_turn", "first_turn")
TOOL_FORMATS = ("openai", "bare", "mixed")
BARE_TYPES = ("json", "python")
OVERLONG_POLICIES = ("skip", "error")
REASONING_MODES = ("keep", "drop")
RESULT_REPLIES = ("train", "mask")
# JSON-Schema type names as Python-style tool specs (BFCL's, xLAM's) spell them.
_PYTHON_TYPES = {"object": "dict", "number": "float"}
# Trajectories rendered per batched tokenizer call (the fast tokenizer parallelises inside a batch).
BATCH_CONVERSATIONS = 256
# A stand-in user query: an assistant turn right after a user turn renders as the text it generates.
_QUERY_STUB = {"role": "user", "content": ""}

Piece = tuple[str, bool]  # (text, labelled)


@dataclass
class TokenizeConfig:
    """How trajectories become training samples."""

    mask_mode: str = field(
        default="per_turn",
        metadata={"help": "per_turn (one sample per trainable turn), multi_turn or first_turn."},
    )
    tool_format: str = field(
        default="openai",
        metadata={
            "help": "Tool list form: openai (wrapped spec), bare (function dict), mixed (seeded choice)."
        },
    )
    bare_tool_fraction: float = field(
        default=0.5, metadata={"help": "With tool_format='mixed': share of samples with bare tool dicts."}
    )
    bare_types: str = field(
        default="json",
        metadata={"help": "Type names in bare tool dicts: json (object, number) or python (dict, float)."},
    )
    bare_description_suffix: str = field(
        default="",
        metadata={
            "help": "Text appended to each function description in bare tool dicts ('' = none); BFCL's "
            "loader appends ' Note that the provided function is in Python 3 syntax.' to every one."
        },
    )
    seed: int = field(default=0, metadata={"help": "Seed of the per-sample tool-format choice."})
    max_length: int | None = field(
        default=None, metadata={"help": "Longest sample in tokens; longer samples are skipped (or raise)."}
    )
    overlong_policy: str = field(
        default="skip", metadata={"help": "skip: drop and count an overlong sample; error: raise."}
    )

    reasoning: str = field(
        default="keep",
        metadata={
            "help": "keep: assistant reasoning trained inside <think>; drop: removed before rendering."
        },
    )

    result_replies: str = field(
        default="train",
        metadata={
            "help": "train: assistant turns that answer from a tool result are labelled like every "
            "trainable turn; mask: they stay in context, unlabelled."
        },
    )

    def __post_init__(self) -> None:
        if self.result_replies not in RESULT_REPLIES:
            raise ValueError(
                f"result_replies must be one of {list(RESULT_REPLIES)}, got {self.result_replies!r}"
            )
        if self.reasoning not in REASONING_MODES:
            raise ValueError(f"reasoning must be one of {list(REASONING_MODES)}, got {self.reasoning!r}")
        if self.mask_mode not in MASK_MODES:
            raise ValueError(f"mask_mode must be one of {list(MASK_MODES)}, got {self.mask_mode!r}")
        if self.tool_format not in TOOL_FORMATS:
            raise ValueError(f"tool_format must be one of {list(TOOL_FORMATS)}, got {self.tool_format!r}")
        if self.bare_types not in BARE_TYPES:
            raise ValueError(f"bare_types must be one of {list(BARE_TYPES)}, got {self.bare_types!r}")
        if self.overlong_policy not in OVERLONG_POLICIES:
            raise ValueError(
                f"overlong_policy must be one of {list(OVERLONG_POLICIES)}, got {self.overlong_policy!r}"
            )


@dataclass
class Sample:
    """One training sequence: token ids, labels (-100 = no loss), and where it came from."""

    input_ids: list[int]
    labels: list[int]
    trajectory_id: str
    turns: list[int]
    tool_format: str
    # The trainable turns the sample was cut for, before `result_replies="mask"` unlabelled any: its
    # identity in the `id_hash` order, so masking replies keeps every sample where it was.
    source_turns: list[int]


@dataclass
class TokenizeStats:
    """Counts of one tokenization pass; `skipped_ids` keeps the first few ids per reason."""

    conversations: int = 0
    samples: int = 0
    tokens: int = 0
    label_tokens: int = 0
    skipped_no_trainable: int = 0
    skipped_overlong: int = 0
    masked_result_replies: int = 0
    skipped_ids: dict[str, list[str]] = field(default_factory=dict)

    def skip(self, reason: str, record_id: str) -> None:
        ids = self.skipped_ids.setdefault(reason, [])
        if len(ids) < 5:
            ids.append(record_id)

    def summary(self) -> str:
        text = (
            f"{self.conversations} conversations -> {self.samples} samples, {self.tokens} tokens "
            f"({self.label_tokens} labelled); skipped: {self.skipped_no_trainable} without a trainable turn, "
            f"{self.skipped_overlong} samples over max_length"
        )
        if self.masked_result_replies:
            text += f"; {self.masked_result_replies} replies to tool results unlabelled (result_replies=mask)"
        if self.skipped_ids:
            text += f" (e.g. {self.skipped_ids})"
        return text


def rename_types(schema: Any, names: Mapping[str, str]) -> Any:
    """A copy of a JSON Schema (or a BFCL function doc) with each `type` name renamed by `names`."""
    if isinstance(schema, list):
        return [rename_types(item, names) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "type" and isinstance(value, str):
            out[key] = names.get(value, value)
        elif key == "properties" and isinstance(value, dict):
            # property *names* are data, not schema keywords: recurse into each property's schema only
            out[key] = {name: rename_types(prop, names) for name, prop in value.items()}
        else:
            out[key] = rename_types(value, names)
    return out


def python_types(schema: Any) -> Any:
    """A copy of a JSON Schema with `type` names spelled the Python way (object -> dict, number -> float)."""
    return rename_types(schema, _PYTHON_TYPES)


def tool_dicts(
    trajectory: Trajectory, tool_format: str, bare_types: str = "json", description_suffix: str = ""
) -> list[dict[str, Any]]:
    """The trajectory's tools as the system turn lists them: OpenAI-wrapped or bare function dicts.

    `description_suffix` is appended to each bare function's description (the OpenAI form is Qwen3's
    template's, which adds nothing).
    """
    if tool_format == "bare":
        bare = [tool.function.model_dump() for tool in trajectory.tools]
        if description_suffix:
            for doc in bare:
                doc["description"] = (doc.get("description") or "") + description_suffix
        return [python_types(t) for t in bare] if bare_types == "python" else bare
    return [tool.openai() for tool in trajectory.tools]


def choose_tool_format(config: TokenizeConfig, key: str) -> str:
    """The tool format of one sample; with 'mixed' a stable function of (seed, key), not of data order."""
    if config.tool_format != "mixed":
        return config.tool_format
    digest = hashlib.blake2b(f"{config.seed}:{key}".encode(), digest_size=8).digest()
    return "bare" if int.from_bytes(digest, "big") / 2**64 < config.bare_tool_fraction else "openai"


def generated_text(message: Message) -> str:
    """The text the model generates for an assistant message (think block included, `<|im_end|>` last)."""
    segments = render_segments([_QUERY_STUB, message.model_dump(exclude_none=True)])
    return next(s.text for s in segments if s.message_index == 1)


def _merge(pieces: Iterable[Piece]) -> list[Piece]:
    """Join neighbouring unlabelled pieces: a prompt is tokenized as one string, as at inference."""
    merged: list[Piece] = []
    for text, labelled in pieces:
        if merged and not labelled and not merged[-1][1]:
            merged[-1] = (merged[-1][0] + text, False)
        else:
            merged.append((text, labelled))
    return merged


def without_reasoning(trajectory: Trajectory) -> Trajectory:
    """The trajectory with every assistant turn's reasoning removed (labels and turn indices unchanged)."""
    messages = [
        m.model_copy(update={"reasoning_content": None}) if m.reasoning_content is not None else m
        for m in trajectory.messages
    ]
    return trajectory.model_copy(update={"messages": messages})


def result_replies(trajectory: Trajectory) -> set[int]:
    """Indices of the assistant turns that answer from a tool result: no call, right after a tool turn."""
    msgs = trajectory.messages
    return {
        i
        for i in range(1, len(msgs))
        if msgs[i].role == "assistant" and not msgs[i].tool_calls and msgs[i - 1].role == "tool"
    }


@dataclass
class Cut:
    """One sample's text before tokenization: pieces, labelled turns, tool format, and `Sample.source_turns`."""

    pieces: list[Piece]
    turns: list[int]
    tool_format: str
    source_turns: list[int]


def sample_pieces(trajectory: Trajectory, config: TokenizeConfig) -> list[Cut]:
    """Cut one trajectory into samples (one per trainable turn, or one for all of them); no tokenizer."""
    source = trajectory.trainable_indices()
    masked = result_replies(trajectory) if config.result_replies == "mask" else set()
    trainable = [turn for turn in source if turn not in masked]
    if config.mask_mode == "first_turn":
        trainable = trainable[:1]
    if not trainable:
        return []
    if config.reasoning == "drop":
        trajectory = without_reasoning(trajectory)
    out: list[Cut] = []
    if config.mask_mode == "per_turn":
        for turn in trainable:
            fmt = choose_tool_format(config, f"{trajectory.id}:{turn}")
            segments = render_segments(
                trajectory.messages[: turn + 1],
                tool_dicts(trajectory, fmt, config.bare_types, config.bare_description_suffix),
            )
            out.append(Cut(_merge((s.text, s.message_index == turn) for s in segments), [turn], fmt, [turn]))
        return out
    fmt = choose_tool_format(config, trajectory.id)
    last = trainable[-1]
    wanted = set(trainable)
    pieces: list[Piece] = []
    for segment in render_segments(
        trajectory.messages[: last + 1],
        tool_dicts(trajectory, fmt, config.bare_types, config.bare_description_suffix),
    ):
        index = segment.message_index
        if index is None:
            pieces.append((segment.text, False))
        else:
            pieces.append((generated_text(trajectory.messages[index]), index in wanted))
    out.append(Cut(_merge(pieces), trainable, fmt, source))
    return out


def _batches(items: Iterable[Trajectory], size: int) -> Iterator[list[Trajectory]]:
    batch: list[Trajectory] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def encode_pieces(
    tokenizer: Any, pieces_per_sample: Sequence[Sequence[Piece]]
) -> list[tuple[list[int], list[int]]]:
    """(input_ids, labels) per sample: every piece tokenized in one batched call, labels copied from the
    ids of labelled pieces and -100 elsewhere."""
    texts = [text for pieces in pieces_per_sample for text, _ in pieces]
    encoded: Sequence[list[int]] = tokenizer(texts, add_special_tokens=False)["input_ids"] if texts else []
    out: list[tuple[list[int], list[int]]] = []
    position = 0
    for pieces in pieces_per_sample:
        input_ids: list[int] = []
        labels: list[int] = []
        for _text, labelled in pieces:
            ids = encoded[position]
            position += 1
            input_ids.extend(ids)
            labels.extend(ids if labelled else [IGNORE_INDEX] * len(ids))
        out.append((input_ids, labels))
    return out


def iter_samples(
    trajectories: Iterable[Trajectory], tokenizer: Any, config: TokenizeConfig, stats: TokenizeStats
) -> Iterator[Sample]:
    """Tokenize trajectories into samples, updating `stats`; see the module docstring for the rules.

    Raises:
        ValueError: a sample exceeds `max_length` and `overlong_policy` is "error".
    """
    for batch in _batches(trajectories, BATCH_CONVERSATIONS):
        planned: list[tuple[str, Cut]] = []
        for trajectory in batch:
            stats.conversations += 1
            if config.result_replies == "mask":
                trainable = set(trajectory.trainable_indices())
                stats.masked_result_replies += len(trainable & result_replies(trajectory))
            cuts = sample_pieces(trajectory, config)
            if not cuts:
                stats.skipped_no_trainable += 1
                stats.skip("no_trainable_turn", trajectory.id)
            planned.extend((trajectory.id, cut) for cut in cuts)
        encoded = encode_pieces(tokenizer, [cut.pieces for _, cut in planned])
        for (record_id, cut), (input_ids, labels) in zip(planned, encoded, strict=True):
            if config.max_length is not None and len(input_ids) > config.max_length:
                where = f"record {record_id!r} turn(s) {cut.turns}"
                if config.overlong_policy == "error":
                    raise ValueError(f"{where}: {len(input_ids)} tokens > max_length {config.max_length}")
                stats.skipped_overlong += 1
                stats.skip("over_max_length", f"{record_id}@{cut.turns[-1]}")
                continue
            stats.samples += 1
            stats.tokens += len(input_ids)
            stats.label_tokens += sum(1 for label in labels if label != IGNORE_INDEX)
            yield Sample(input_ids, labels, record_id, cut.turns, cut.tool_format, cut.source_turns)


def tokenize_trajectories(
    trajectories: Iterable[Trajectory], tokenizer: Any, config: TokenizeConfig
) -> tuple[list[Sample], TokenizeStats]:
    """All samples of `trajectories` plus the counts (skips included); logs the summary."""
    stats = TokenizeStats()
    samples = list(iter_samples(trajectories, tokenizer, config, stats))
    logger.info("tokenized (%s, tools %s): %s", config.mask_mode, config.tool_format, stats.summary())
    return samples, stats
