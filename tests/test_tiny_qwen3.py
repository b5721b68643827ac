"""The tiny Qwen3 tokenizer and model: Qwen3 tokens, the attached template, offline loading."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from toolmind.chat import render, render_segments
from toolmind.testing.conversations import random_conversation
from toolmind.testing.tiny_qwen3 import QWEN3_ADDED_TOKENS, build_tokenizer


def test_added_tokens_are_single_tokens_in_qwen_order(tiny_tokenizer: Any) -> None:
    ids = [tiny_tokenizer.convert_tokens_to_ids(token) for token, _ in QWEN3_ADDED_TOKENS]
    assert ids == list(range(ids[0], ids[0] + len(QWEN3_ADDED_TOKENS)))
    assert len(tiny_tokenizer) <= 4096
    for token, _ in QWEN3_ADDED_TOKENS:
        assert tiny_tokenizer.encode(f"a{token}b", add_special_tokens=False)[1:-1] == [
            tiny_tokenizer.convert_tokens_to_ids(token)
        ], token
    assert tiny_tokenizer.eos_token == "<|im_end|>"
    assert tiny_tokenizer.pad_token == "<|endoftext|>"
    assert tiny_tokenizer.bos_token is None


def test_decode_keeps_tool_and_think_tags_but_drops_special_tokens(tiny_tokenizer: Any) -> None:
    text = '<think>\nr\n</think>\n\n<tool_call>\n{"name": "f", "arguments": {}}\n</tool_call><|im_end|>'
    ids = tiny_tokenizer.encode(text, add_special_tokens=False)
    assert tiny_tokenizer.decode(ids) == text
    assert tiny_tokenizer.decode(ids, skip_special_tokens=True) == text.removesuffix("<|im_end|>")


def test_rendered_conversations_round_trip_through_the_tokenizer(tiny_tokenizer: Any) -> None:
    rng = random.Random(5)
    for _ in range(50):
        case = random_conversation(rng)
        text = render(case.messages, case.tools, add_generation_prompt=case.add_generation_prompt)
        ids = tiny_tokenizer.encode(text, add_special_tokens=False)
        assert tiny_tokenizer.decode(ids) == text
        assert len(ids) < len(text)  # the BPE merges something


def test_tokenizer_is_deterministic(tiny_tokenizer: Any) -> None:
    assert build_tokenizer().get_vocab() == tiny_tokenizer.get_vocab()


@pytest.mark.parametrize("as_dicts", [False, True], ids=["messages", "dicts"])
def test_apply_chat_template_equals_render(tiny_tokenizer: Any, as_dicts: bool) -> None:
    rng = random.Random(11)
    for number in range(150):
        case = random_conversation(rng)
        messages, tools = case.as_dicts() if as_dicts else (case.messages, case.tools)
        expected = render(
            messages,
            tools,
            add_generation_prompt=case.add_generation_prompt,
            enable_thinking=case.enable_thinking,
        )
        got = tiny_tokenizer.apply_chat_template(
            [m if isinstance(m, dict) else m.model_dump() for m in messages],
            tools=[t if isinstance(t, dict) else t.openai() for t in tools] or None,
            tokenize=False,
            add_generation_prompt=case.add_generation_prompt,
            enable_thinking=case.enable_thinking,
        )
        assert got == expected, f"case {number}"


def test_segment_boundaries_are_token_boundaries(tiny_tokenizer: Any) -> None:
    """Tokenizing segment by segment gives the whole text's tokens unless an assistant segment starts with
    whitespace (Qwen's pre-tokenizer then merges it with the `\n` of `<|im_start|>assistant\n`)."""
    rng = random.Random(3)
    seen = {True: 0, False: 0}
    for number in range(120):
        case = random_conversation(rng)
        segments = render_segments(
            case.messages, case.tools, add_generation_prompt=case.add_generation_prompt
        )
        whole = tiny_tokenizer.encode("".join(s.text for s in segments), add_special_tokens=False)
        pieces = [t for s in segments for t in tiny_tokenizer.encode(s.text, add_special_tokens=False)]
        clean = all(s.message_index is None or not s.text[:1].isspace() for s in segments)
        seen[clean] += 1
        if clean:
            assert pieces == whole, f"case {number}"
        assert tiny_tokenizer.decode(pieces) == tiny_tokenizer.decode(whole)
    assert seen[True] > 50 and seen[False] > 0


def test_tiny_model_loads_offline_and_generates(tiny_qwen3_dir: Path, tiny_tokenizer: Any) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(tiny_qwen3_dir)
    tokenizer = AutoTokenizer.from_pretrained(tiny_qwen3_dir)
    assert type(model).__name__ == "Qwen3ForCausalLM"
    assert model.config.hidden_size == 64 and model.config.num_hidden_layers == 2
    assert model.config.vocab_size >= len(tokenizer)
    assert tokenizer.get_vocab() == tiny_tokenizer.get_vocab()
    assert tokenizer.chat_template == tiny_tokenizer.chat_template
    assert model.generation_config.eos_token_id == [
        tokenizer.convert_tokens_to_ids("<|im_end|>"),
        tokenizer.convert_tokens_to_ids("<|endoftext|>"),
    ]
    messages = [{"role": "user", "content": "Weather in Zürich?"}]
    inputs = tokenizer.apply_chat_template(
        messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
    )
    prompt = render(messages, add_generation_prompt=True)
    assert tokenizer.decode(inputs["input_ids"][0]) == prompt
    with torch.no_grad():
        out = model.generate(**inputs, max_new_tokens=5)
        loss = model(input_ids=inputs["input_ids"], labels=inputs["input_ids"]).loss
    assert out.shape[1] > inputs["input_ids"].shape[1]
    assert torch.isfinite(loss) and loss.item() > 0


def test_same_seed_same_weights(tmp_path: Path, tiny_tokenizer: Any, tiny_qwen3_dir: Path) -> None:
    from safetensors.torch import load_file

    from toolmind.testing.tiny_qwen3 import build_tiny_qwen3

    same = load_file(build_tiny_qwen3(tmp_path / "a", tokenizer=tiny_tokenizer) / "model.safetensors")
    other = load_file(
        build_tiny_qwen3(tmp_path / "b", tokenizer=tiny_tokenizer, seed=1) / "model.safetensors"
    )
    reference = load_file(tiny_qwen3_dir / "model.safetensors")
    assert all((same[k] == reference[k]).all() for k in reference)
    assert any((other[k] != reference[k]).any() for k in reference)
