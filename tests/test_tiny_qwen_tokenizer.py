"""The real Qwen3 tokenizer built from the qwen-agent BPE ranks reproduces known Qwen3 ids."""

from __future__ import annotations

from typing import Any

import pytest

from toolmind.chat import render
from toolmind.schema import Message, ToolCall
from toolmind.testing.tiny_qwen3 import QWEN3_ADDED_TOKENS


@pytest.fixture(scope="module")
def qwen_tokenizer() -> Any:
    from toolmind.testing.qwen_tokenizer import build_qwen_tokenizer

    return build_qwen_tokenizer()


def test_known_qwen_ids(qwen_tokenizer: Any) -> None:
    assert qwen_tokenizer.encode("Hello, world!", add_special_tokens=False) == [9707, 11, 1879, 0]
    assert qwen_tokenizer.encode("<|im_start|>user\n你好<|im_end|>", add_special_tokens=False) == [
        151644, 872, 198, 108386, 151645,
    ]  # fmt: skip
    ids = {token: qwen_tokenizer.convert_tokens_to_ids(token) for token, _ in QWEN3_ADDED_TOKENS}
    assert ids["<|endoftext|>"] == 151643 and ids["<|im_end|>"] == 151645
    assert ids["<tool_call>"] == 151657 and ids["</tool_call>"] == 151658
    assert ids["<tool_response>"] == 151665 and ids["</tool_response>"] == 151666
    assert ids["<think>"] == 151667 and ids["</think>"] == 151668
    assert len(qwen_tokenizer) == 151669
    assert (qwen_tokenizer.eos_token_id, qwen_tokenizer.pad_token_id) == (151645, 151643)


def test_nfc_and_digits(qwen_tokenizer: Any) -> None:
    decomposed, composed = "Cafe\u0301", "Café"
    assert qwen_tokenizer.encode(decomposed) == qwen_tokenizer.encode(composed)
    assert qwen_tokenizer.encode("2025", add_special_tokens=False) == [17, 15, 17, 20]  # one digit per token


def test_rendered_tool_conversation_round_trips(qwen_tokenizer: Any) -> None:
    messages = [
        Message(role="user", content="Wetter in Zürich?"),
        Message(
            role="assistant",
            reasoning_content="Tool.",
            tool_calls=[ToolCall.make("a", "weather", {"city": "Zürich"})],
        ),
        Message(role="tool", content='{"temp_c": 5}', tool_call_id="a"),
    ]
    text = render(messages, add_generation_prompt=True)
    ids = qwen_tokenizer.encode(text, add_special_tokens=False)
    assert qwen_tokenizer.decode(ids) == text
    for tag in ("<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>", "<think>", "</think>"):
        assert qwen_tokenizer.convert_tokens_to_ids(tag) in ids
    assert (
        qwen_tokenizer.apply_chat_template(
            [m.model_dump() for m in messages], tokenize=False, add_generation_prompt=True
        )
        == text
    )
