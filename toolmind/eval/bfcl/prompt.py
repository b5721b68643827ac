"""The Qwen function-calling prompt and output decoding, as BFCL's official Qwen FC handler does them.

BFCL scores Qwen3-style models through `QwenFCHandler`: each tool is the bare BFCL function dict rendered
with `json.dumps` (ASCII-escaped, BFCL's own `"type": "dict"`), every description carries a language hint
added by the official loader, the prompt ends with ``<|im_start|>assistant\\n`` (thinking left on), and
only ``<tool_call>\\n{json}\\n</tool_call>`` blocks are decoded. This module is an independent
implementation of that behaviour; `tests/test_bfcl_prompt.py` checks it byte for byte against the
official handler run in the scorer's environment.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any

from toolmind.eval.bfcl.data import AGENTIC_CATEGORIES

#: Official system message put first in web-search and memory questions (bfcl_eval default_prompts).
AGENTIC_RESPONSE_FORMAT_PROMPT = (
    "For your final answer to the user, you must respond in this format: {'answer': A short and precise "
    "answer to the question, 'context': A brief explanation of how you arrived at this answer or why it is "
    "correct}. If you do not know the answer, respond with {'answer': 'I do not know', 'context': 'I do not "
    "know'}. If you think the question cannot be properly answered, response with {'answer': 'I cannot answer "
    "this question', 'context': A short reason explaining why this question cannot be answered}.\n"
)
#: User turn that hands over held-out functions in multi_turn_miss_func (prompting handlers).
ADDITIONAL_FUNCTION_PROMPT = "I have updated some more functions you can choose from. What about now?"

_TOOLS_HEADER = (
    "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>"
)
_TOOLS_FOOTER = (
    "\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
    '<tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": '
    "<args-json-object>}\n</tool_call><|im_end|>\n"
)
_TOOL_CALL_RE = re.compile(r"<tool_call>\n(.*?)\n</tool_call>", re.DOTALL)


def _language(category: str) -> str:
    if category == "simple_java":
        return "java"
    if category == "simple_javascript":
        return "javascript"
    return "python"


def _hinted_doc(doc: dict[str, Any], language: str) -> dict[str, Any]:
    """Apply the official language hint and Java/JavaScript parameter rewriting to one function doc."""
    hints = {
        "java": " Note that the provided function is in Java 8 SDK syntax.",
        "javascript": " Note that the provided function is in JavaScript syntax.",
        "python": " Note that the provided function is in Python 3 syntax.",
    }
    doc["description"] = doc["description"] + hints[language]
    if language == "python":
        return doc
    lang_name = "Java" if language == "java" else "JavaScript"
    list_types = ("ArrayList", "Array") if language == "java" else ("array",)
    for value in doc["parameters"]["properties"].values():
        if value["type"] == "any":
            value["description"] += (
                f" This parameter can be of any type of {lang_name} object in string representation."
            )
        else:
            value["description"] += (
                f" This is {lang_name} {value['type']} type parameter in string representation."
            )
        if value["type"] in list_types:
            value["description"] += (
                f" The list elements are of type {value['items']['type']}; they are not in string representation."
            )
            del value["items"]
        if language == "javascript" and value["type"] == "dict" and "properties" in value:
            value["description"] += (
                " The dictionary entries have the following schema; they are not in string representation. "
                + json.dumps(value["properties"])
            )
            del value["properties"]
        value["type"] = "string"
    return doc


def prepare_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of a `load_questions` entry as the official loader hands it to a handler.

    Adds the language hint to every function description (Java/JavaScript parameters become strings with
    their type in the description) and, for web-search and memory entries, the official answer-format
    system message in front of the first turn.
    """
    entry = copy.deepcopy(entry)
    category = entry["id"].split(":")[0].rsplit("_", 1)[0]
    entry["function"] = [_hinted_doc(doc, _language(category)) for doc in entry.get("function", [])]
    if category in AGENTIC_CATEGORIES:
        entry["question"][0].insert(0, {"role": "system", "content": AGENTIC_RESPONSE_FORMAT_PROMPT})
    return entry


def held_out_functions_message(functions: list[dict[str, Any]]) -> dict[str, str]:
    """The user turn that reveals miss_func's held-out docs (Python `str()` of the list, as upstream)."""
    return {"role": "user", "content": f"{functions}\n{ADDITIONAL_FUNCTION_PROMPT}"}


def _last_query_index(messages: list[dict[str, Any]]) -> int:
    for idx in range(len(messages) - 1, -1, -1):
        msg = messages[idx]
        content = msg["content"]
        if (
            msg["role"] == "user"
            and isinstance(content, str)
            and not (content.startswith("<tool_response>") and content.endswith("</tool_response>"))
        ):
            return idx
    return len(messages) - 1


def _render_assistant(msg: dict[str, Any], idx: int, last: bool, last_query: int) -> str:
    content: str = msg["content"]
    reasoning = msg.get("reasoning_content") or ""
    if not reasoning and "</think>" in content:
        parts = content.split("</think>")
        reasoning = parts[0].rstrip("\n").split("<think>")[-1].lstrip("\n")
        content = parts[-1].lstrip("\n")
    if idx > last_query and (last or reasoning):
        out = (
            "<|im_start|>assistant\n<think>\n"
            + reasoning.strip("\n")
            + "\n</think>\n\n"
            + content.lstrip("\n")
        )
    else:
        out = "<|im_start|>assistant\n" + content
    calls = msg.get("tool_calls") or []
    for call in calls:
        # Upstream compares by value: a call equal to the first one gets no separating newline either.
        if (call == calls[0] and content) or call != calls[0]:
            out += "\n"
        fn = call.get("function", call)
        args = fn["arguments"]
        out += '<tool_call>\n{"name": "' + fn["name"] + '", "arguments": '
        out += (args if isinstance(args, str) else json.dumps(args)) + "}\n</tool_call>"
    return out + "<|im_end|>\n"


def format_prompt(
    messages: list[dict[str, Any]], functions: list[dict[str, Any]], *, thinking: bool = True
) -> str:
    """Render a BFCL conversation as the official Qwen FC handler's raw completion prompt.

    Args:
        messages: OpenAI-style messages (`system`, `user`, `assistant` with optional `tool_calls` and
            `reasoning_content`, `tool`).
        functions: BFCL function docs (already passed through `prepare_entry`).
        thinking: False appends the empty think block Qwen3 uses to switch reasoning off (not part of the
            official handler, which always leaves thinking on).

    Returns:
        The prompt text, ending with the generation prompt.
    """
    out = ""
    if functions:
        out += "<|im_start|>system\n"
        if messages[0]["role"] == "system":
            out += messages[0]["content"] + "\n\n"
        out += _TOOLS_HEADER + "".join(f"\n{json.dumps(tool)}" for tool in functions) + _TOOLS_FOOTER
    elif messages[0]["role"] == "system":
        out += f"<|im_start|>system\n{messages[0]['content']}<|im_end|>\n"
    last_query = _last_query_index(messages)
    n = len(messages)
    for idx, msg in enumerate(messages):
        role = msg["role"]
        if role == "user" or (role == "system" and idx != 0):
            out += f"<|im_start|>{role}\n{msg['content']}<|im_end|>\n"
        elif role == "assistant":
            out += _render_assistant(msg, idx, idx == n - 1, last_query)
        elif role == "tool":
            if idx == 0 or messages[idx - 1]["role"] != "tool":
                out += "<|im_start|>user"
            out += f"\n<tool_response>\n{msg['content']}\n</tool_response>"
            if idx == n - 1 or messages[idx + 1]["role"] != "tool":
                out += "<|im_end|>\n"
    out += "<|im_start|>assistant\n"
    if not thinking:
        out += "<think>\n\n</think>\n\n"
    return out


def extract_tool_calls(text: str) -> list[Any]:
    """Decode the ``<tool_call>\\n{json}\\n</tool_call>`` blocks of a response (invalid JSON is skipped)."""
    calls: list[Any] = []
    for block in _TOOL_CALL_RE.findall(text):
        try:
            calls.append(json.loads(block))
        except json.JSONDecodeError:
            continue
    return calls


@dataclass
class ParsedResponse:
    """One model response split as the official handler splits it."""

    text: str = field(metadata={"help": "the response after any </think> (what the result file stores)"})
    reasoning: str = field(metadata={"help": "the reasoning before </think>, '' when none"})
    tool_calls: list[Any] = field(metadata={"help": "decoded <tool_call> blocks"})

    def history_message(self) -> dict[str, Any]:
        """The assistant message the handler appends to the conversation for the next step."""
        msg: dict[str, Any] = {"role": "assistant", "content": self.text}
        if self.tool_calls:
            msg = {"role": "assistant", "content": "", "tool_calls": self.tool_calls}
        msg["reasoning_content"] = self.reasoning
        return msg


def parse_response(raw: str) -> ParsedResponse:
    """Split a raw completion into reasoning, visible text and decoded tool calls."""
    text, reasoning = raw, ""
    if "</think>" in raw:
        parts = raw.split("</think>")
        reasoning = parts[0].rstrip("\n").split("<think>")[-1].lstrip("\n")
        text = parts[-1].lstrip("\n")
    return ParsedResponse(text=text, reasoning=reasoning, tool_calls=extract_tool_calls(raw))


def render_tool_calls(calls: list[dict[str, Any]]) -> str:
    """Render calls (``{"name", "arguments"}``) as the text a Qwen FC model emits for them."""
    return "\n".join(
        "<tool_call>\n" + json.dumps({"name": c["name"], "arguments": c["arguments"]}) + "\n</tool_call>"
        for c in calls
    )
