"""A tiny random Qwen3 model and a small Qwen3-style tokenizer, built offline in seconds.

The tokenizer is a byte-level BPE (Qwen's pre-tokenizer split and NFC normalisation) trained on rendered
toolmind conversations, with every Qwen3 added token as a single token in Qwen's order and with Qwen's
`special` flags: `<|endoftext|>`, `<|im_start|>`, `<|im_end|>`, ..., `<tool_call>`, `</tool_call>`, ...,
`<tool_response>`, `</tool_response>`, `<think>`, `</think>`. eos is `<|im_end|>`, pad is `<|endoftext|>`,
and toolmind's Qwen3 chat template is attached, so `apply_chat_template` renders what
`toolmind.chat.render` renders.

`build_tiny_qwen3` saves a randomly initialised `Qwen3ForCausalLM` with that tokenizer and a greedy
generation config, loadable offline with `AutoModelForCausalLM` / `AutoTokenizer.from_pretrained`.
"""

from __future__ import annotations

import logging
import random
from pathlib import Path
from typing import TYPE_CHECKING

from toolmind.chat import chat_template, render
from toolmind.testing.conversations import random_conversation

if TYPE_CHECKING:
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast

logger = logging.getLogger(__name__)

# Qwen's pre-tokenizer pattern (REFERENCE §6).
QWEN_PATTERN = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
# Qwen3's added tokens in id order (151643..151668 in the real tokenizer) with their `special` flag:
# special tokens are dropped by `decode(..., skip_special_tokens=True)`, the tool/think tags are kept.
QWEN3_ADDED_TOKENS: tuple[tuple[str, bool], ...] = (
    ("<|endoftext|>", True),
    ("<|im_start|>", True),
    ("<|im_end|>", True),
    ("<|object_ref_start|>", True),
    ("<|object_ref_end|>", True),
    ("<|box_start|>", True),
    ("<|box_end|>", True),
    ("<|quad_start|>", True),
    ("<|quad_end|>", True),
    ("<|vision_start|>", True),
    ("<|vision_end|>", True),
    ("<|vision_pad|>", True),
    ("<|image_pad|>", True),
    ("<|video_pad|>", True),
    ("<tool_call>", False),
    ("</tool_call>", False),
    ("<|fim_prefix|>", False),
    ("<|fim_middle|>", False),
    ("<|fim_suffix|>", False),
    ("<|fim_pad|>", False),
    ("<|repo_name|>", False),
    ("<|file_sep|>", False),
    ("<tool_response>", False),
    ("</tool_response>", False),
    ("<think>", False),
    ("</think>", False),
)
EOS_TOKEN = "<|im_end|>"
PAD_TOKEN = "<|endoftext|>"
PROSE = (
    "The quick brown fox jumps over the lazy dog. Book a flight from Paris to Tokyo on Monday.",
    "What is the weather in Zürich? It is 5 °C and sunny. Convert 100 USD to EUR, please.",
    "Let me look up the order status first, then I will cancel the reservation if it is pending.",
)


def _corpus(n_conversations: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = list(PROSE)
    for _ in range(n_conversations):
        case = random_conversation(rng)
        texts.append(render(case.messages, case.tools, add_generation_prompt=case.add_generation_prompt))
    return texts


def wrap_with_qwen3_tokens(tokenizer: Tokenizer, *, model_max_length: int) -> PreTrainedTokenizerFast:
    """Add Qwen3's added tokens (in Qwen's order, with its `special` flags) to a `tokenizers` BPE and
    wrap it as a transformers tokenizer with eos `<|im_end|>`, pad `<|endoftext|>` and toolmind's template."""
    from tokenizers import AddedToken
    from transformers import PreTrainedTokenizerFast

    for token, special in QWEN3_ADDED_TOKENS:
        added = AddedToken(token, special=special, normalized=False)
        if special:
            tokenizer.add_special_tokens([added])
        else:
            tokenizer.add_tokens([added])
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token=EOS_TOKEN,
        pad_token=PAD_TOKEN,
        clean_up_tokenization_spaces=False,
        model_max_length=model_max_length,
    )
    wrapped.chat_template = chat_template()
    return wrapped


def build_tokenizer(
    vocab_size: int = 2048, *, n_conversations: int = 300, seed: int = 0
) -> PreTrainedTokenizerFast:
    """Train the small Qwen3-style BPE tokenizer (deterministic for a given seed; a few seconds).

    Args:
        vocab_size: upper bound of the BPE vocabulary before the 26 added tokens (the default corpus
            yields about 800 tokens in all: small embeddings, still real merges).
        n_conversations: generated conversations in the training corpus.
        seed: corpus seed.

    Returns:
        A `PreTrainedTokenizerFast` with eos `<|im_end|>`, pad `<|endoftext|>` and toolmind's chat template.
    """
    from tokenizers import (
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        trainers,
    )

    tokenizer = Tokenizer(models.BPE())
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN_PATTERN), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    # The tags must not be learnt as merges of the training text: strip them from the corpus.
    corpus = _corpus(n_conversations, seed)
    tags = [token for token, _ in QWEN3_ADDED_TOKENS]
    plain = []
    for text in corpus:
        for tag in tags:
            text = text.replace(tag, " ")
        plain.append(text)
    tokenizer.train_from_iterator(plain, trainer=trainer)
    wrapped = wrap_with_qwen3_tokens(tokenizer, model_max_length=32768)
    logger.info("trained tiny Qwen3 tokenizer: %d tokens", len(wrapped))
    return wrapped


def _token_id(tokenizer: PreTrainedTokenizerFast, token: str) -> int:
    token_id = tokenizer.convert_tokens_to_ids(token)
    if not isinstance(token_id, int):
        raise TypeError(f"expected one id for {token!r}, got {token_id!r}")
    return token_id


def build_tiny_qwen3(
    out_dir: str | Path,
    *,
    hidden_size: int = 64,
    num_layers: int = 2,
    seed: int = 0,
    tokenizer: PreTrainedTokenizerFast | None = None,
) -> Path:
    """Save a random `Qwen3ForCausalLM`, the tiny tokenizer and a greedy generation config to `out_dir`.

    Args:
        out_dir: directory to write (created if missing).
        hidden_size: model width; 4 attention heads (2 key/value heads) of `hidden_size // 4` each.
        num_layers: decoder layers.
        seed: torch seed of the random initialisation (same seed, same weights).
        tokenizer: reuse an already built tokenizer instead of training one.

    Returns:
        `out_dir` as a Path; `AutoModelForCausalLM.from_pretrained(out_dir)` and
        `AutoTokenizer.from_pretrained(out_dir)` load it offline.
    """
    import torch
    from transformers import GenerationConfig, Qwen3Config, Qwen3ForCausalLM

    if hidden_size % 4 != 0:
        raise ValueError(f"hidden_size must be a multiple of 4 (4 attention heads), got {hidden_size}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok = tokenizer if tokenizer is not None else build_tokenizer()
    eos_id, pad_id = _token_id(tok, EOS_TOKEN), _token_id(tok, PAD_TOKEN)
    config = Qwen3Config(
        vocab_size=-(-len(tok) // 64) * 64,  # rounded up like Qwen's padded embedding table
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 3,
        num_hidden_layers=num_layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=hidden_size // 4,
        max_position_embeddings=8192,
        tie_word_embeddings=True,
        bos_token_id=pad_id,
        eos_token_id=eos_id,
        pad_token_id=pad_id,
    )
    torch.manual_seed(seed)
    model = Qwen3ForCausalLM(config)
    model.generation_config = GenerationConfig(
        bos_token_id=pad_id, eos_token_id=[eos_id, pad_id], pad_token_id=pad_id, do_sample=False
    )
    model.save_pretrained(out)
    tok.save_pretrained(out)
    logger.info("saved tiny Qwen3 (%d parameters) to %s", model.num_parameters(), out)
    return out
