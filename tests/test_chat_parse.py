"""`parse` decodes completions, round-trips every rendered assistant turn and never raises."""

from __future__ import annotations

import json
import random

import pytest

from toolmind.chat import parse, render_segments
from toolmind.schema import Message
from toolmind.testing.conversations import random_conversation


def test_parse_round_trips_every_rendered_assistant_turn() -> None:
    rng = random.Random(99)
    checked = 0
    for number in range(300):
        case = random_conversation(rng, edge_cases=False)
        segments = render_segments(case.messages, case.tools)
        for segment in segments:
            if segment.message_index is None:
                continue
            index = segment.message_index
            parsed = parse(segment.text)
            original = case.messages[index]
            where = f"case {number}, message {index}"
            assert parsed.parse_error is None, where
            assert parsed.role == "assistant"
            got_calls = [(c.function.name, json.loads(c.function.arguments)) for c in parsed.tool_calls or []]
            want_calls = [
                (c.function.name, json.loads(c.function.arguments)) for c in original.tool_calls or []
            ]
            assert got_calls == want_calls, where
            assert [c.id for c in parsed.tool_calls or []] == [f"call_{i}" for i in range(len(got_calls))]
            # Rendering the parsed message in the same place writes the same text.
            replaced = [*case.messages[:index], parsed, *case.messages[index + 1 :]]
            again = render_segments(replaced, case.tools)
            assert [s.text for s in again] == [s.text for s in segments], where
            checked += 1
    assert checked > 300


def test_parse_plain_answer_and_stop_tokens() -> None:
    assert parse("Hello there.<|im_end|>") == Message(role="assistant", content="Hello there.")
    assert parse("Hi<|endoftext|>junk").content == "Hi"
    assert parse("Hi<|im_end|>\n<|im_start|>user\nmore").content == "Hi"
    assert parse("") == Message(role="assistant", content="")


def test_parse_thinking_forms() -> None:
    full = parse("<think>\nstep 1\n</think>\n\nAnswer<|im_end|>")
    assert (full.reasoning_content, full.content) == ("step 1", "Answer")
    # The `<think>` was part of the prompt: the completion starts inside the reasoning.
    no_open = parse("step 1\n</think>\n\nAnswer")
    assert (no_open.reasoning_content, no_open.content) == ("step 1", "Answer")
    # enable_thinking=False: the empty think block was in the prompt.
    assert parse("Answer").reasoning_content is None
    empty = parse("<think>\n\n</think>\n\nAnswer")
    assert (empty.reasoning_content, empty.content, empty.parse_error) == ("", "Answer", None)


def test_parse_tool_calls() -> None:
    text = (
        "<think>\nneed two calls\n</think>\n\nChecking.\n"
        '<tool_call>\n{"name": "a", "arguments": {"x": "Zürich"}}\n</tool_call>\n'
        '<tool_call>\n{"name": "b", "arguments": {}}\n</tool_call><|im_end|>'
    )
    message = parse(text)
    assert message.parse_error is None
    assert message.content == "Checking."
    assert message.tool_calls is not None
    assert [(c.id, c.function.name, c.function.arguments) for c in message.tool_calls] == [
        ("call_0", "a", '{"x": "Zürich"}'),
        ("call_1", "b", "{}"),
    ]


@pytest.mark.parametrize(
    ("text", "error", "decoded"),
    [
        ('<tool_call>\n{"name": "a", "arguments": {"x": 1}\n</tool_call>', "tool call 0: invalid JSON", 0),
        ('<tool_call>\n{"name": "a", "arguments": {"x": 1}}', "tool call 0: unclosed <tool_call>", 0),
        ('<tool_call>\n{"arguments": {}}\n</tool_call>', "missing or non-string 'name'", 0),
        ('<tool_call>\n{"name": 3, "arguments": {}}\n</tool_call>', "missing or non-string 'name'", 0),
        ('<tool_call>\n{"name": "a", "arguments": "{}"}\n</tool_call>', "'arguments' must be an object", 0),
        ('<tool_call>\n{"name": "a"}\n</tool_call>', "missing 'arguments'", 0),
        ("<tool_call>\n[1, 2]\n</tool_call>", "expected a JSON object, got list", 0),
        (
            '<tool_call>\n{"name": "a", "arguments": {}}\n</tool_call>\nDone!',
            "unexpected text after tool call 0",
            1,
        ),
        ("text </tool_call>", "stray </tool_call>", 0),
        ("<think>\nstill thinking when the budget ran out", "unclosed <think>", 0),
        (
            '<tool_call>\n{"name": "a", "arguments": {}}\n</tool_call>\n<tool_call>\nnot json\n</tool_call>\n'
            '<tool_call>\n{"name": "c", "arguments": {"k": 1}}\n</tool_call>',
            "tool call 1: invalid JSON",
            2,
        ),
    ],
)
def test_malformed_output_is_flagged_not_raised(text: str, error: str, decoded: int) -> None:
    message = parse(text)
    assert message.role == "assistant"
    assert message.parse_error is not None and error in message.parse_error
    assert len(message.tool_calls or []) == decoded
    assert [c.id for c in message.tool_calls or []] == [f"call_{i}" for i in range(decoded)]


def test_parse_never_raises_on_random_garbage() -> None:
    rng = random.Random(7)
    pieces = [
        "<think>",
        "</think>",
        "<tool_call>",
        "</tool_call>",
        "{",
        "}",
        '"name"',
        ":",
        '"arguments"',
        "\n",
        "x",
        "<|im_end|>",
        "[",
        "]",
        '"',
        "null",
        "é",
    ]
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        message = parse(text)
        assert message.role == "assistant"
