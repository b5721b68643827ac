"""Render a conversation into Qwen3 chat text, exactly as the original Qwen3 template does.

The rules (REFERENCE §3), in the order the text is produced:

1. With tools, the system turn is the user's system text (if the first message is a system message),
   a blank line, then the `# Tools` block with one JSON spec per line. Without tools, a leading system
   message is rendered as is.
2. User turns (and system messages that are not first) are `<|im_start|>role\\ncontent<|im_end|>\\n`.
3. Tool results become a user turn; consecutive results merge into that one turn, each wrapped in
   `\\n<tool_response>\\n...\\n</tool_response>`.
4. Assistant turns: reasoning of turns before the last real user query is dropped. After it (the live
   tool-call chain) a turn shows `<think>\\n...\\n</think>\\n\\n` when it has reasoning, and the final
   message of the conversation always shows a (possibly empty) think block. Tool calls follow the content
   as `<tool_call>\\n{"name": ..., "arguments": ...}\\n</tool_call>`, newline-separated.
5. The generation prompt is `<|im_start|>assistant\\n`, plus an empty think block when
   `enable_thinking=False`.

Tool-call `arguments` given as a string (toolmind's schema, the OpenAI format) are written verbatim,
as the original template does; given as a dict they are written as `json.dumps(..., ensure_ascii=False)`.
`ToolCall.make` stores exactly that string, so both forms render the same text.

`render_segments` returns the same text cut into pieces, tagging the text the model generates for each
assistant message: training builds its loss masks from these tags.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from toolmind.schema import Message, ToolSpec

IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
TOOLS_HEADER = (
    "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>"
)
TOOLS_FOOTER = (
    "\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
    '<tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": '
    "<args-json-object>}\n</tool_call>"
)
EMPTY_THINK = "<think>\n\n</think>\n\n"
ROLES = ("system", "user", "assistant", "tool")

MessageLike = Message | Mapping[str, Any]
ToolLike = ToolSpec | Mapping[str, Any]


@dataclass(frozen=True)
class Segment:
    """A piece of rendered text; `message_index` is set on the text the model generates for that
    assistant message (from after `<|im_start|>assistant\\n` through `<|im_end|>`), else None."""

    text: str
    message_index: int | None = None


def tojson(value: Any) -> str:
    """JSON exactly as transformers' chat-template `tojson` filter writes it."""
    return json.dumps(value, ensure_ascii=False)


def _as_dict(message: MessageLike, index: int) -> Mapping[str, Any]:
    if isinstance(message, BaseModel):
        return message.model_dump(exclude_none=True)
    if isinstance(message, Mapping):
        return message
    raise TypeError(f"message {index}: expected a Message or a dict, got {type(message).__name__}")


def _tool_dict(tool: ToolLike) -> Any:
    return tool.openai() if isinstance(tool, ToolSpec) else tool


def _text(value: Any) -> str:
    """The template treats a non-string `content` (None, a list of parts) as empty."""
    return value if isinstance(value, str) else ""


def _is_tool_response_text(text: str) -> bool:
    return text.startswith("<tool_response>") and text.endswith("</tool_response>")


def _last_query_index(messages: Sequence[Mapping[str, Any]]) -> int:
    """Index of the last user message that is a real query (not wrapped tool output)."""
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        content = message.get("content")
        if message["role"] == "user" and isinstance(content, str) and not _is_tool_response_text(content):
            return index
    return len(messages) - 1


def _system_block(messages: Sequence[Mapping[str, Any]], tools: Sequence[Any]) -> str:
    first = messages[0]
    system_text = _text(first.get("content")) if first["role"] == "system" else None
    if tools:
        prefix = system_text + "\n\n" if system_text is not None else ""
        specs = "".join("\n" + tojson(tool) for tool in tools)
        return f"{IM_START}system\n{prefix}{TOOLS_HEADER}{specs}{TOOLS_FOOTER}{IM_END}\n"
    if system_text is not None:
        return f"{IM_START}system\n{system_text}{IM_END}\n"
    return ""


def _split_reasoning(message: Mapping[str, Any]) -> tuple[str, str]:
    """(reasoning, content); reasoning written inside `content` as `<think>...</think>` is split off."""
    content = _text(message.get("content"))
    reasoning = message.get("reasoning_content")
    if isinstance(reasoning, str):
        return reasoning, content
    if "</think>" in content:
        reasoning = content.split("</think>")[0].rstrip("\n").split("<think>")[-1].lstrip("\n")
        return reasoning, content.split("</think>")[-1].lstrip("\n")
    return "", content


def _tool_call_text(call: Mapping[str, Any]) -> str:
    function = call.get("function") or call
    arguments = function.get("arguments")
    args_text = arguments if isinstance(arguments, str) else tojson(arguments)
    return f'<tool_call>\n{{"name": "{function.get("name")}", "arguments": {args_text}}}\n</tool_call>'


def _assistant_body(message: Mapping[str, Any], show_think: bool, is_last: bool) -> str:
    """What the model generates for one assistant message, `<|im_end|>` included."""
    reasoning, content = _split_reasoning(message)
    if show_think and (is_last or reasoning):
        body = f"<think>\n{reasoning.strip(chr(10))}\n</think>\n\n{content.lstrip(chr(10))}"
    else:
        body = content
    for position, call in enumerate(message.get("tool_calls") or []):
        # The separator depends on the content before think-stripping, as in the original template.
        if position > 0 or content:
            body += "\n"
        body += _tool_call_text(call)
    return body + IM_END


def render_segments(
    messages: Sequence[MessageLike],
    tools: Sequence[ToolLike] | None = None,
    *,
    add_generation_prompt: bool = False,
    enable_thinking: bool = True,
) -> list[Segment]:
    """Render `messages` into Qwen3 text cut into segments (see `Segment`).

    Args:
        messages: `Message` objects or OpenAI-format dicts.
        tools: `ToolSpec`s (rendered without `returns`) or tool dicts (rendered as given).
        add_generation_prompt: append `<|im_start|>assistant\\n` for the model to continue.
        enable_thinking: when False, the generation prompt carries an empty think block.

    Returns:
        Segments whose texts join to `render(...)` of the same arguments.

    Raises:
        ValueError: on an empty conversation or a message with an unknown role.
    """
    if not messages:
        raise ValueError("cannot render an empty conversation")
    items = [_as_dict(m, i) for i, m in enumerate(messages)]
    for index, item in enumerate(items):
        if item.get("role") not in ROLES:
            raise ValueError(f"message {index}: unknown role {item.get('role')!r}; expected one of {ROLES}")
    tool_dicts = [_tool_dict(t) for t in tools or []]
    last_query = _last_query_index(items)
    last = len(items) - 1

    segments: list[Segment] = []
    pending = _system_block(items, tool_dicts)  # text not yet emitted as an untagged segment
    for index, item in enumerate(items):
        role = item["role"]
        content = _text(item.get("content"))
        if role == "user" or (role == "system" and index > 0):
            pending += f"{IM_START}{role}\n{content}{IM_END}\n"
        elif role == "assistant":
            pending += f"{IM_START}assistant\n"
            segments.append(Segment(pending))
            body = _assistant_body(item, show_think=index > last_query, is_last=index == last)
            segments.append(Segment(body, index))
            pending = "\n"
        elif role == "tool":
            if index == 0 or items[index - 1]["role"] != "tool":
                pending += f"{IM_START}user"
            pending += f"\n<tool_response>\n{content}\n</tool_response>"
            if index == last or items[index + 1]["role"] != "tool":
                pending += f"{IM_END}\n"
    if add_generation_prompt:
        pending += f"{IM_START}assistant\n" + ("" if enable_thinking else EMPTY_THINK)
    if pending:
        segments.append(Segment(pending))
    return segments


def render(
    messages: Sequence[MessageLike],
    tools: Sequence[ToolLike] | None = None,
    *,
    add_generation_prompt: bool = False,
    enable_thinking: bool = True,
) -> str:
    """Render `messages` (and `tools`) into Qwen3 chat text; see the module docstring for the rules.

    Args:
        messages: `Message` objects or OpenAI-format dicts.
        tools: `ToolSpec`s (rendered without `returns`) or tool dicts (rendered as given).
        add_generation_prompt: append `<|im_start|>assistant\\n` for the model to continue.
        enable_thinking: when False, the generation prompt carries an empty think block.

    Returns:
        The text, byte for byte what the original Qwen3 chat template produces.
    """
    segments = render_segments(
        messages, tools, add_generation_prompt=add_generation_prompt, enable_thinking=enable_thinking
    )
    return "".join(s.text for s in segments)
