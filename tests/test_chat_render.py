"""`render` equals the original Qwen3 template (shipped in the trl wheel) byte for byte."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import pytest

from toolmind.chat import Segment, chat_template, render, render_segments, render_template
from toolmind.schema import Message, ToolCall
from toolmind.testing.conversations import Conversation, random_conversation

_TRL = importlib.util.find_spec("trl")
assert _TRL is not None and _TRL.origin is not None, "the trl wheel ships the original Qwen3 template"
ORIGINAL = (Path(_TRL.origin).parent / "chat_templates" / "qwen3.jinja").read_text(encoding="utf-8")
N_CASES = 400


def _cases(n: int = N_CASES, edge_cases: bool = True) -> list[Conversation]:
    rng = random.Random(1234)
    return [random_conversation(rng, edge_cases=edge_cases) for _ in range(n)]


def _original(case: Conversation, *, as_dicts: bool = False) -> str:
    if as_dicts:
        messages, tools = case.as_dicts()
        return render_template(
            ORIGINAL,
            messages,
            tools or None,
            add_generation_prompt=case.add_generation_prompt,
            enable_thinking=case.enable_thinking,
        )
    return render_template(
        ORIGINAL,
        case.messages,
        case.tools or None,
        add_generation_prompt=case.add_generation_prompt,
        enable_thinking=case.enable_thinking,
    )


def _ours(case: Conversation, *, as_dicts: bool = False) -> str:
    messages, tools = case.as_dicts() if as_dicts else (case.messages, case.tools)
    return render(
        messages,
        tools,
        add_generation_prompt=case.add_generation_prompt,
        enable_thinking=case.enable_thinking,
    )


def test_generator_covers_the_corners() -> None:
    cases = _cases()
    msgs = [m for c in cases for m in c.messages]
    assert any(c.tools for c in cases) and any(not c.tools for c in cases)
    assert any(m.role == "system" for m in msgs) and any(c.messages[0].role != "system" for c in cases)
    assert any(m.tool_calls and len(m.tool_calls) > 1 for m in msgs)
    assert any(m.reasoning_content for m in msgs)
    assert any("</think>" in m.content for m in msgs)
    assert any(m.role == "assistant" and m.content == "" for m in msgs)
    assert any(c.messages[-1].role == "tool" for c in cases)
    assert any(not c.enable_thinking and c.add_generation_prompt for c in cases)
    runs = [sum(1 for _ in group) for c in cases for group in _runs([m.role for m in c.messages], "tool")]
    assert max(runs) >= 3  # several tool responses in a row
    kept = dropped = 0
    for case in cases:
        text = render(case.messages, case.tools)
        for m in case.messages:
            if m.reasoning_content and m.reasoning_content.strip("\n"):
                if f"<think>\n{m.reasoning_content.strip(chr(10))}\n</think>" in text:
                    kept += 1
                else:
                    dropped += 1
    assert kept > 20 and dropped > 20  # reasoning kept in the live chain, dropped from history


def _runs(roles: list[str], role: str) -> list[range]:
    out, start = [], None
    for i, r in enumerate([*roles, ""]):
        if r == role and start is None:
            start = i
        elif r != role and start is not None:
            out.append(range(start, i))
            start = None
    return out


@pytest.mark.parametrize("as_dicts", [False, True], ids=["messages", "dicts"])
def test_render_matches_original_template(as_dicts: bool) -> None:
    for number, case in enumerate(_cases()):
        expected = _original(case, as_dicts=as_dicts)
        assert _ours(case, as_dicts=as_dicts) == expected, f"case {number}"


def test_shipped_template_matches_render() -> None:
    template = chat_template()
    assert "{% generation" not in template
    for number, case in enumerate(_cases()):
        got = render_template(
            template,
            case.messages,
            case.tools or None,
            add_generation_prompt=case.add_generation_prompt,
            enable_thinking=case.enable_thinking,
        )
        assert got == _ours(case), f"case {number}"


def test_segments_join_and_tag_assistant_text() -> None:
    for number, case in enumerate(_cases()):
        segments = render_segments(
            case.messages,
            case.tools,
            add_generation_prompt=case.add_generation_prompt,
            enable_thinking=case.enable_thinking,
        )
        text = "".join(s.text for s in segments)
        assert text == _ours(case), f"case {number}"
        tagged = [s for s in segments if s.message_index is not None]
        assistant = [i for i, m in enumerate(case.messages) if m.role == "assistant"]
        assert [s.message_index for s in tagged] == assistant, f"case {number}"
        position = 0
        for segment in segments:
            if segment.message_index is not None:
                assert text[:position].endswith("<|im_start|>assistant\n")
                assert segment.text.endswith("<|im_end|>")
                assert "<|im_start|>" not in segment.text
                assert text[position + len(segment.text) :][:1] == "\n"
            position += len(segment.text)


def test_hand_written_example() -> None:
    messages = [
        Message(role="user", content="Weather in Zürich?"),
        Message(
            role="assistant",
            reasoning_content="Call the tool.",
            tool_calls=[ToolCall.make("a", "get_weather", {"city": "Zürich"})],
        ),
        Message(role="tool", content="5 °C", tool_call_id="a"),
        Message(role="assistant", content="It is 5 °C.", reasoning_content="Answer."),
    ]
    expected = (
        "<|im_start|>user\nWeather in Zürich?<|im_end|>\n"
        "<|im_start|>assistant\n<think>\nCall the tool.\n</think>\n\n"
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Zürich"}}\n</tool_call><|im_end|>\n'
        "<|im_start|>user\n<tool_response>\n5 °C\n</tool_response><|im_end|>\n"
        "<|im_start|>assistant\n<think>\nAnswer.\n</think>\n\nIt is 5 °C.<|im_end|>\n"
    )
    assert render(messages) == expected
    segments = render_segments(messages)
    assert segments[1] == Segment(
        '<think>\nCall the tool.\n</think>\n\n<tool_call>\n{"name": "get_weather", "arguments": '
        '{"city": "Zürich"}}\n</tool_call><|im_end|>',
        1,
    )
    # A later user query drops both reasoning blocks from history.
    later = [*messages, Message(role="user", content="Thanks")]
    text = render(later, add_generation_prompt=True, enable_thinking=False)
    assert "<think>\nCall" not in text and "<think>\nAnswer" not in text
    assert text.endswith("<|im_start|>user\nThanks<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n")


def test_bfcl_style_tool_dicts_render_as_given() -> None:
    bfcl = {
        "name": "math.factorial",
        "description": "Compute n!",
        "parameters": {"type": "dict", "properties": {"n": {"type": "integer"}}, "required": ["n"]},
    }
    messages = [{"role": "user", "content": "5!"}]
    got = render(messages, [bfcl], add_generation_prompt=True)
    assert got == render_template(ORIGINAL, messages, [bfcl], add_generation_prompt=True)
    assert '\n{"name": "math.factorial", "description": "Compute n!", "parameters": {"type": "dict"' in got


def test_dict_arguments_and_string_arguments_render_alike() -> None:
    as_dict = [
        {"role": "user", "content": "q"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": {"é": [1, None]}}}],
        },
    ]
    as_str = [
        {"role": "user", "content": "q"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"id": "x", "type": "function", "function": {"name": "f", "arguments": '{"é": [1, null]}'}}
            ],
        },
    ]
    assert render(as_dict) == render(as_str) == render_template(ORIGINAL, as_dict)
    # A string is written verbatim, exactly as the original template does.
    compact = [as_str[0], {**as_str[1], "tool_calls": [{"function": {"name": "f", "arguments": '{"a":1}'}}]}]
    assert '"arguments": {"a":1}}' in render(compact) == render_template(ORIGINAL, compact)


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="empty conversation"):
        render([])
    with pytest.raises(ValueError, match="message 1: unknown role 'bot'"):
        render([{"role": "user", "content": "x"}, {"role": "bot", "content": "y"}])
    with pytest.raises(TypeError, match="message 0"):
        render(["hello"])  # type: ignore[list-item]


def test_empty_tools_and_thinking_flag_without_generation_prompt() -> None:
    messages = [Message(role="system", content="S"), Message(role="user", content="u")]
    assert (
        render(messages, [])
        == render(messages, None)
        == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nu<|im_end|>\n"
    )
    assert render(messages, enable_thinking=False) == render(messages)
    assert render(messages, add_generation_prompt=True).endswith("<|im_start|>assistant\n")
