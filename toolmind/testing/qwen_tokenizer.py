"""The real Qwen3 tokenizer, built offline from the Qwen BPE ranks shipped in the `qwen-agent` wheel.

`qwen_agent/utils/qwen.tiktoken` holds Qwen's 151,643 byte-level BPE ranks, the base vocabulary of
Qwen2, Qwen2.5 and Qwen3. Converted with Qwen's pre-tokenizer pattern and NFC normalisation, plus the
Qwen3 added tokens at their fixed ids (151643 `<|endoftext|>` ... 151668 `</think>`), it reproduces
Qwen3's token ids ("Hello, world!" -> [9707, 11, 1879, 0]; REFERENCE §6). toolmind's chat template is
attached. Use it for exact token counts and sequence lengths without downloading a checkpoint.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

from toolmind.testing.tiny_qwen3 import QWEN_PATTERN, wrap_with_qwen3_tokens

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerFast

QWEN_BASE_VOCAB = 151643  # BPE ranks; the added tokens start here
QWEN3_EMBEDDING_ROWS = 151936  # Qwen3 checkpoints pad the embedding table to this size


def qwen_ranks_file() -> Path:
    """Path of `qwen.tiktoken` inside the installed `qwen-agent` wheel (found without importing it).

    Raises:
        FileNotFoundError: when `qwen-agent` is not installed (`pip install --no-deps qwen-agent==0.0.34`).
    """
    spec = importlib.util.find_spec("qwen_agent")
    if spec is None or spec.origin is None:
        raise FileNotFoundError(
            "qwen-agent is not installed; it ships the Qwen BPE ranks: pip install --no-deps qwen-agent==0.0.34"
        )
    path = Path(spec.origin).parent / "utils" / "qwen.tiktoken"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the installed qwen-agent package")
    return path


def build_qwen_tokenizer(vocab_file: str | Path | None = None) -> PreTrainedTokenizerFast:
    """Build Qwen3's tokenizer (~2 s) from BPE ranks in tiktoken format.

    Args:
        vocab_file: a `.tiktoken` ranks file; defaults to the one in `qwen-agent` (`qwen_ranks_file()`).

    Returns:
        A `PreTrainedTokenizerFast` with Qwen3's ids, eos `<|im_end|>`, pad `<|endoftext|>` and toolmind's
        chat template.

    Raises:
        ValueError: when the ranks file does not hold Qwen's 151,643 base tokens.
    """
    from tokenizers import normalizers
    from transformers.convert_slow_tokenizer import TikTokenConverter

    path = Path(vocab_file) if vocab_file is not None else qwen_ranks_file()
    tokenizer = TikTokenConverter(vocab_file=str(path), pattern=QWEN_PATTERN).converted()
    if tokenizer.get_vocab_size() != QWEN_BASE_VOCAB:
        raise ValueError(
            f"{path}: expected {QWEN_BASE_VOCAB} BPE ranks (Qwen's base vocabulary), got {tokenizer.get_vocab_size()}"
        )
    tokenizer.normalizer = normalizers.NFC()
    return wrap_with_qwen3_tokens(tokenizer, model_max_length=131072)
