"""`TransformersBackend`: a local checkpoint directory behind the `LLMBackend` interface.

Prompts are built by `toolmind.chat.render` (the Qwen3 format training uses, byte for byte) and
completions decoded by `toolmind.chat.parse`, so a checkpoint is evaluated on exactly the text it was
trained on. Generation is greedy unless a request asks for a temperature > 0 (then it samples with that
temperature and the checkpoint's ``generation_config`` top_p / top_k).

`generate_texts` is the public batched entry for harnesses that build their own prompt strings (BFCL):
prompts are sorted by length, left-padded, generated in batches of ``batch_size`` and returned in
input order, each cut at its first stop token (``<|im_end|>``, ``<|endoftext|>`` or eos).

`complete` runs generation in a worker thread (`asyncio.to_thread`) so the event loop stays free, and a
lock serialises access to the model: one generate() runs at a time. Concurrent `complete` calls (an
evaluation running many conversations at once) are micro-batched: whatever queued while a batch ran
goes into the next one, up to ``batch_size``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
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
        self.batches = 0  # generate() calls made
        self._lock = threading.Lock()
        self._queue: list[_Pending] = []
        self._runner: asyncio.Task[None] | None = None
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
        return [text for text, _ in self._generate(prompts, max_new_tokens, temperature)]

    def _generate(
        self, prompts: list[str], max_new_tokens: int, temperature: float
    ) -> list[tuple[str, Usage]]:
        """(text, usage) per prompt, in input order; holds the model lock for the whole call."""
        import torch

        out: list[tuple[str, Usage]] = [("", Usage())] * len(prompts)
        order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
        sampling: dict[str, Any] = {"do_sample": False}
        if temperature > 0:
            # top_p / top_k come from the checkpoint's generation_config (Qwen3 ships its recommended ones)
            sampling = {"do_sample": True, "temperature": temperature}
        with self._lock, torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                idx = order[start : start + self.batch_size]
                enc = self.tokenizer(
                    [prompts[i] for i in idx], return_tensors="pt", padding=True, add_special_tokens=False
                ).to(self.device)
                generated = self.model.generate(
                    **enc,
                    max_new_tokens=max_new_tokens,
                    eos_token_id=self.stop_ids,
                    pad_token_id=self.tokenizer.pad_token_id,
                    **sampling,
                )
                self.batches += 1
                new = generated[:, enc["input_ids"].shape[1] :].tolist()
                prompt_lengths = enc["attention_mask"].sum(dim=1).tolist()
                for row, i in enumerate(idx):
                    ids = new[row]
                    length = next((k for k, t in enumerate(ids) if t in self.stop_ids), len(ids))
                    text = cut_at_stop(self.tokenizer.decode(ids[:length], skip_special_tokens=False))
                    out[i] = (text, Usage(prompt_tokens=int(prompt_lengths[row]), completion_tokens=length))
        return out

    # -- LLMBackend ----------------------------------------------------------------------------------

    def prompt(self, request: ChatRequest) -> str:
        """The Qwen3 prompt text for `request` (what the model is given)."""
        from toolmind.chat import render

        thinking = request.enable_thinking and self.enable_thinking is not False
        return render(request.messages, request.tools, add_generation_prompt=True, enable_thinking=thinking)

    async def complete(self, request: ChatRequest) -> Completion:
        """Generate one assistant turn; malformed output comes back flagged (`parse_error`), never raised.

        Concurrent calls are micro-batched: requests queued while a batch runs go together into the
        next generate() (up to ``batch_size``, grouped by token budget and temperature).
        """
        from toolmind.chat import parse

        max_new = request.max_tokens if request.max_tokens is not None else self.max_new_tokens
        temperature = self.temperature if self.temperature is not None else request.temperature
        loop = asyncio.get_running_loop()
        pending = _Pending(self.prompt(request), max_new, temperature, loop.create_future())
        self._queue.append(pending)
        if self._runner is None or self._runner.done():
            self._runner = loop.create_task(self._drain())
        text, usage = await pending.future
        self.calls += 1
        self.usage.add(usage)
        return Completion(
            message=parse(text), usage=usage, model=str(self.path), backend="transformers", raw_text=text
        )

    async def _drain(self) -> None:
        """Run queued requests batch by batch in a worker thread until the queue is empty."""
        while True:
            self._queue = [p for p in self._queue if not p.future.done()]  # drop cancelled callers
            if not self._queue:
                return
            key = (self._queue[0].max_new, self._queue[0].temperature)
            group = [p for p in self._queue if (p.max_new, p.temperature) == key][: self.batch_size]
            self._queue = [p for p in self._queue if p not in group]
            try:
                results = await asyncio.to_thread(self._generate, [p.prompt for p in group], *key)
            except Exception as exc:  # e.g. out of memory: every caller of the batch gets it
                for p in group:
                    if not p.future.done():
                        p.future.set_exception(exc)
                continue
            for p, result in zip(group, results, strict=True):
                if not p.future.done():
                    p.future.set_result(result)


@dataclass
class _Pending:
    prompt: str
    max_new: int
    temperature: float
    future: asyncio.Future[tuple[str, Usage]]
