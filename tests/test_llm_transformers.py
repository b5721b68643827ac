"""TransformersBackend on the tiny random Qwen3 checkpoint (fixture `tiny_qwen3_dir`), CPU only."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import torch

from toolmind.chat import render
from toolmind.llm.base import ChatRequest, LLMError
from toolmind.llm.config import BackendConfig
from toolmind.llm.factory import make_backend
from toolmind.llm.transformers_backend import TransformersBackend, cut_at_stop
from toolmind.schema import FunctionSpec, Message, ToolSpec

TOOLS = [
    ToolSpec(
        function=FunctionSpec(
            name="get_weather",
            parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        )
    )
]


@pytest.fixture(scope="module")
def tiny(tiny_qwen3_dir: Path) -> TransformersBackend:
    made = make_backend(
        BackendConfig(kind="transformers", model=str(tiny_qwen3_dir), max_tokens=8, batch_size=3)
    )
    assert isinstance(made, TransformersBackend)
    return made


class ScriptedHead(torch.nn.Module):
    """An lm_head whose logits spell `targets` one token per forward call (batch size 1)."""

    def __init__(self, targets: list[int], vocab: int) -> None:
        super().__init__()
        self.targets, self.vocab, self.step = targets, vocab, 0

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        logits = torch.zeros(*hidden.shape[:-1], self.vocab)
        logits[..., self.targets[min(self.step, len(self.targets) - 1)]] = 1.0
        self.step += 1
        return logits


def test_generate_texts_batched_equals_one_by_one(tiny: TransformersBackend) -> None:
    prompts = [
        render([Message(role="user", content=text)], add_generation_prompt=True)
        for text in [
            "hi",
            "what is the weather in Oslo tomorrow, please?",
            "a much longer question " * 5,
            "ok",
        ]
    ]
    batched = tiny.generate_texts(prompts, max_new_tokens=6)  # batch_size 3: two batches, left padding
    single = [tiny.generate_texts([p], max_new_tokens=6)[0] for p in prompts]
    assert batched == single
    assert all(isinstance(t, str) for t in batched)
    assert not any("<|im_end|>" in t or "<|endoftext|>" in t for t in batched)


def test_generation_stops_at_im_end_and_respects_the_budget(tiny_qwen3_dir: Path) -> None:
    backend = TransformersBackend(tiny_qwen3_dir, max_new_tokens=5)
    tok, vocab = backend.tokenizer, backend.model.config.vocab_size
    word = tok.encode("hello", add_special_tokens=False)[0]
    backend.model.lm_head = ScriptedHead([word] * 50, vocab)
    assert backend.generate_texts(["<|im_start|>user\nx<|im_end|>\n"], max_new_tokens=5) == [
        tok.decode([word] * 5)
    ]
    im_end = tok.convert_tokens_to_ids("<|im_end|>")
    backend.model.lm_head = ScriptedHead([word, word, im_end, word], vocab)
    assert backend.generate_texts(["<|im_start|>user\nx<|im_end|>\n"], max_new_tokens=5) == [
        tok.decode([word] * 2)
    ]


def test_complete_renders_qwen3_and_parses_tool_calls(tiny_qwen3_dir: Path) -> None:
    backend = TransformersBackend(tiny_qwen3_dir, max_new_tokens=80)
    tok = backend.tokenizer
    answer = '<think>\nCheck it.\n</think>\n\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>'
    targets = [*tok.encode(answer, add_special_tokens=False), tok.convert_tokens_to_ids("<|im_end|>")]
    backend.model.lm_head = ScriptedHead(targets, backend.model.config.vocab_size)
    request = ChatRequest(messages=[Message(role="user", content="weather in Oslo?")], tools=TOOLS)
    assert backend.prompt(request) == render(request.messages, TOOLS, add_generation_prompt=True)
    done = asyncio.run(backend.complete(request))
    assert done.backend == "transformers" and done.raw_text == answer
    assert done.message.reasoning_content == "Check it."
    assert done.message.tool_calls is not None
    assert done.message.tool_calls[0].function.parsed_arguments() == {"city": "Oslo"}
    assert done.usage.completion_tokens == len(targets) - 1 and done.usage.prompt_tokens > 0


def test_enable_thinking_false_closes_the_think_block(tiny: TransformersBackend) -> None:
    request = ChatRequest(messages=[Message(role="user", content="hi")], enable_thinking=False)
    assert tiny.prompt(request).endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")


def test_concurrent_completes_are_micro_batched_and_deterministic(tiny: TransformersBackend) -> None:
    requests = [
        ChatRequest(messages=[Message(role="user", content=text)], tools=TOOLS)
        for text in ["same question", "another, longer question about Oslo", "same question", "x", "y y"]
    ]

    async def many() -> list[Any]:
        return await asyncio.gather(*(tiny.complete(r) for r in requests))

    before = tiny.batches
    results = asyncio.run(many())
    assert tiny.batches - before == 2  # 5 queued requests, batch_size 3
    one_by_one = [asyncio.run(tiny.complete(r)) for r in requests]
    assert [r.raw_text for r in results] == [r.raw_text for r in one_by_one]  # left padding is exact
    assert results[0].raw_text == results[2].raw_text  # greedy: identical requests, identical answers
    assert [r.usage.prompt_tokens for r in results] == [r.usage.prompt_tokens for r in one_by_one]
    assert all(r.usage.completion_tokens <= 8 for r in results)
    assert all(r.message.role == "assistant" for r in results)  # random text never raises


def test_different_budgets_are_not_batched_together(tiny: TransformersBackend) -> None:
    requests = [ChatRequest(messages=[Message(role="user", content="q")], max_tokens=n) for n in (2, 3, 2)]

    async def many() -> list[Any]:
        return await asyncio.gather(*(tiny.complete(r) for r in requests))

    before = tiny.batches
    results = asyncio.run(many())
    assert tiny.batches - before == 2
    assert [r.usage.completion_tokens <= n for r, n in zip(results, (2, 3, 2), strict=True)] == [True] * 3


def test_bad_checkpoint_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LLMError, match="not a checkpoint directory"):
        TransformersBackend(tmp_path / "missing")


def test_cut_at_stop() -> None:
    assert cut_at_stop("abc<|endoftext|>d<|im_end|>") == "abc"
    assert cut_at_stop("plain") == "plain"


def test_sampling_when_a_temperature_is_asked(tiny: TransformersBackend) -> None:
    prompt = render([Message(role="user", content="hi")], add_generation_prompt=True)
    torch.manual_seed(0)
    sampled = {tiny.generate_texts([prompt], max_new_tokens=8, temperature=5.0)[0] for _ in range(4)}
    assert len(sampled) > 1  # a random tiny model at temperature 5 does not repeat itself 4 times
    assert len({tiny.generate_texts([prompt], max_new_tokens=8)[0] for _ in range(2)}) == 1


@pytest.mark.gpu
def test_cuda_bfloat16(tiny_qwen3_dir: Path) -> None:
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    backend = TransformersBackend(
        tiny_qwen3_dir, device="cuda", dtype="bfloat16", max_new_tokens=8, batch_size=4
    )
    request = ChatRequest(messages=[Message(role="user", content="weather in Oslo?")], tools=TOOLS)

    async def many() -> list[Any]:
        return await asyncio.gather(*(backend.complete(request) for _ in range(4)))

    results = asyncio.run(many())
    assert backend.batches == 1 and len({r.raw_text for r in results}) == 1
