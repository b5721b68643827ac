"""`TransformersBackend`: a local checkpoint directory behind the `LLMBackend` interface.

Prompts are built by `toolmind.chat.render` (the Qwen3 format training uses, byte for byte) and
completions decoded by `toolmind.chat.parse`, so a checkpoint is evaluated on exactly the text it was
trained on. Generation is greedy unless a request asks for a temperature > 0.

`generate_texts` is the public batched entry for harnesses that build their own prompt strings (BFCL):
prompts are sorted by length, left-padded, generated in batches of ``batch_size`` and returned in
input order, each cut at its first stop token (``<|im_end|>``, ``<|endoftext|>`` or eos).

`complete` runs generation in a worker thread (`asyncio.to_thread`) so the event loop stays free, and a
lock serialises access to the model: concurrent callers queue, one generate() runs at a time.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path
from typing import Any, cast

from toolmind.llm.base import ChatRequest, Completion, LLMError, Usage
from toolmind.llm.config import BackendConfig

log = logging.getLogger(__name__)

STOP_STRINGS = ("<|im_end|>", "<|endoftext|>")
_DTYPES = ("float32", "bfloat16", "float16")


def cut_at_stop(text: str, stops: tuple[str, ...] = STOP_STRINGS) -> str:
    """`text` up to the first stop string."""
    cut = len(text)
    for stop in stops:
        at = text.find(stop)
        if 0 <= at < cut:
            cut = at
    return text[:cut]


class TransformersBackend:
    """Greedy (or sampled) generation with a local `AutoModelForCausalLM` checkpoint."""

    def __init__(
        self,
        path: str | Path,
        *,
        device: str = "cpu",
        dtype: str = "float32",
        max_new_tokens: int = 512,
        batch_size: int = 8,
        enable_thinking: bool | None = None,
        temperature: float | None = None,
    ) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.path = Path(path)
        if not (self.path / "config.json").is_file():
            raise LLMError(
                f"transformers backend: {self.path} is not a checkpoint directory (no config.json)"
            )
        if dtype not in _DTYPES:
            raise ValueError(
                f"transformers backend: dtype must be one of {', '.join(_DTYPES)}, got {dtype!r}"
            )
        self.name = f"transformers:{self.path}"
        self.device = device
        self.max_new_tokens = max_new_tokens
        self.batch_size = batch_size
        self.enable_thinking = enable_thinking
        self.temperature = temperature
        self.usage = Usage()
        self.calls = 0
        self._lock = threading.Lock()
        self.tokenizer: Any = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
        self.tokenizer.padding_side = "left"
        self.model: Any = cast(
            Any,
            AutoModelForCausalLM.from_pretrained(
                self.path, dtype=getattr(torch, dtype), local_files_only=True
            ),
        )
        self.model.to(device).eval()
        self.stop_ids = self._stop_ids()
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.convert_ids_to_tokens(self.stop_ids[0])
        log.info("loaded %s on %s (%s, %d parameters)", self.path, device, dtype, self.model.num_parameters())

    @classmethod
    def from_config(cls, cfg: BackendConfig) -> TransformersBackend:
        return cls(
            cfg.model,
            device=cfg.device,
            dtype=cfg.dtype,
            max_new_tokens=cfg.max_tokens or 512,
            batch_size=cfg.batch_size,
            enable_thinking=cfg.enable_thinking,
            temperature=cfg.temperature,
        )

    def _stop_ids(self) -> list[int]:
        ids: list[int] = []
        vocab = self.tokenizer.get_vocab()
        for token in STOP_STRINGS:
            if token in vocab:
                ids.append(vocab[token])
        eos = self.tokenizer.eos_token_id
        if isinstance(eos, int) and eos not in ids:
            ids.append(eos)
        if not ids:
            raise LLMError(f"transformers backend: {self.path} has no <|im_end|>, <|endoftext|> or eos token")
        return ids

    # -- batched text generation ---------------------------------------------------------------------

    def generate_texts(
        self, prompts: list[str], max_new_tokens: int, *, temperature: float = 0.0
    ) -> list[str]:
        """Generate a completion for each prompt string (batched, left-padded); returns them in order,
        each cut at its first stop token, special tokens kept (``<think>``, ``<tool_call>``)."""
        texts, _ = self._generate(prompts, max_new_tokens, temperature)
        return texts

    def _generate(
        self, prompts: list[str], max_new_tokens: int, temperature: float
    ) -> tuple[list[str], Usage]:
        import torch

        usage = Usage()
        out: list[str] = [""] * len(prompts)
        order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
        with self._lock, torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                idx = order[start : start + self.batch_size]
                enc = self.tokenizer(
                    [prompts[i] for i in idx], return_tensors="pt", padding=True, add_special_tokens=False
                ).to(self.device)
                sampling: dict[str, Any] = {"do_sample": False}
                if temperature > 0:
                    sampling = {"do_sample": True, "temperature": temperature, "top_p": 1.0, "top_k": 0}
                generated = self.model.generate(
                    **enc,
                    max_new_tokens=max_new_tokens,
                    eos_token_id=self.stop_ids,
                    pad_token_id=self.tokenizer.pad_token_id,
                    **sampling,
                )
                new = generated[:, enc["input_ids"].shape[1] :]
                usage.prompt_tokens += int(enc["attention_mask"].sum())
                for row, i in enumerate(idx):
                    ids = new[row].tolist()
                    length = next((k for k, t in enumerate(ids) if t in self.stop_ids), len(ids))
                    usage.completion_tokens += length
                    out[i] = cut_at_stop(self.tokenizer.decode(ids[:length], skip_special_tokens=False))
        return out, usage

    # -- LLMBackend ----------------------------------------------------------------------------------

    def prompt(self, request: ChatRequest) -> str:
        """The Qwen3 prompt text for `request` (what the model is given)."""
        from toolmind.chat import render

        thinking = request.enable_thinking and self.enable_thinking is not False
        return render(request.messages, request.tools, add_generation_prompt=True, enable_thinking=thinking)

    async def complete(self, request: ChatRequest) -> Completion:
        """Generate one assistant turn; malformed output comes back flagged (`parse_error`), never raised."""
        from toolmind.chat import parse

        prompt = self.prompt(request)
        max_new = request.max_tokens if request.max_tokens is not None else self.max_new_tokens
        temperature = self.temperature if self.temperature is not None else request.temperature
        texts, usage = await asyncio.to_thread(self._generate, [prompt], max_new, temperature)
        self.calls += 1
        self.usage.add(usage)
        return Completion(
            message=parse(texts[0]),
            usage=usage,
            model=str(self.path),
            backend="transformers",
            raw_text=texts[0],
        )
