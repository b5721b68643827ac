"""ShareGPT with `function_call` / `observation` turns (LLaMA-Factory, APIGen-MT).

LLaMA-Factory cannot carry per-turn loss masks: it trains every assistant turn, or only the last one with
`mask_history: true`. So the export splits each conversation at every trainable assistant turn: sample k
is the conversation up to and including trainable turn k, to be trained with `mask_history: true` (loss on
the last turn only). Masked turns stay in the history of later samples, never as a sample's last turn.
This is also how the released ToolMind data is laid out (REFERENCE §1).

What the format cannot hold is counted, never silently lost: text an assistant wrote alongside tool calls
(LLaMA-Factory's `function_call` value is the calls only), tool-call ids, and `returns` schemas.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from toolmind.data.parsing import make_call
from toolmind.schema import Message, Trajectory

HUMAN, GPT, CALL, OBS = "human", "gpt", "function_call", "observation"


def _arguments(raw: str, notes: Counter[str]) -> Any:
    """Decoded arguments; undecodable ones (a masked bad call kept as history) stay the raw string."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        notes["undecodable_arguments_kept_as_string"] += 1
        return raw


def _assistant_value(msg: Message, notes: Counter[str], with_reasoning: bool) -> tuple[str, str]:
    think = (
        f"<think>\n{msg.reasoning_content}\n</think>\n\n" if with_reasoning and msg.reasoning_content else ""
    )
    if msg.tool_calls:
        calls = [
            {"name": c.function.name, "arguments": _arguments(c.function.arguments, notes)}
            for c in msg.tool_calls
        ]
        if msg.content.strip():
            notes["assistant_text_beside_calls_dropped"] += 1
        # LLaMA-Factory's function formatter strips a leading <think> block and renders it before the calls.
        return CALL, think + json.dumps(calls[0] if len(calls) == 1 else calls, ensure_ascii=False)
    return GPT, think + msg.content


def to_conversation(
    traj: Trajectory, notes: Counter[str], with_reasoning: bool = True
) -> tuple[str, list[dict[str, str]], list[int]]:
    """(system, turns, position of each assistant message in `turns`), alternating as LLaMA-Factory
    requires: human/observation at odd, gpt/function_call at even positions. Consecutive same-side turns
    are merged; the results of parallel calls become one observation holding a JSON list of results."""
    system = ""
    turns: list[dict[str, str]] = []
    where: list[int] = []
    results: list[str] = []

    def push(tag: str, value: str) -> None:
        prompt_side = tag in (HUMAN, OBS)
        if turns and (turns[-1]["from"] in (HUMAN, OBS)) == prompt_side:
            turns[-1]["value"] += "\n\n" + value
            notes["merged_consecutive_turns"] += 1
            return
        if not turns and not prompt_side:
            turns.append({"from": HUMAN, "value": ""})
            notes["empty_first_human_turn_added"] += 1
        turns.append({"from": tag, "value": value})

    def flush() -> None:
        if results:
            push(OBS, results[0] if len(results) == 1 else json.dumps(results, ensure_ascii=False))
            results.clear()

    for msg in traj.messages:
        if msg.role == "tool":
            results.append(msg.content)
            continue
        flush()
        if msg.role == "system":
            system = f"{system}\n\n{msg.content}" if system else msg.content
        elif msg.role == "assistant":
            push(*_assistant_value(msg, notes, with_reasoning))
            where.append(len(turns) - 1)
        else:
            push(HUMAN, msg.content)
    flush()
    if any(m.role == "tool" for m in traj.messages):
        notes["tool_call_ids_dropped"] += 1
    return system, turns, where


def to_sharegpt_samples(traj: Trajectory, notes: Counter[str]) -> list[dict[str, Any]]:
    """One LLaMA-Factory sample per trainable assistant turn (train with `mask_history: true`)."""
    system, turns, where = to_conversation(traj, notes)
    tools = json.dumps([t.openai()["function"] for t in traj.tools], ensure_ascii=False)
    if any(t.returns for t in traj.tools):
        notes["tool_returns_dropped"] += 1
    samples = []
    for label, pos in zip(traj.labels, where, strict=True):
        if not label.train:
            continue
        samples.append(
            {
                "id": f"{traj.id}#{label.message_index}",
                "conversations": [dict(t) for t in turns[: pos + 1]],
                "system": system,
                "tools": tools,
            }
        )
    notes["masked_turns_only_in_history"] += sum(1 for label in traj.labels if not label.train)
    return samples


def from_conversation(turns: list[dict[str, Any]], system: str, id_prefix: str) -> list[Message]:
    """ShareGPT turns (from/value; human|user, gpt|assistant, function_call, observation|tool) to messages.
    A `function_call` value is one call object or a list; each gets an id, and the observation that follows
    is paired with them in order (a list observation answers parallel calls one by one)."""
    messages: list[Message] = [Message(role="system", content=system)] if system else []
    pending: list[str] = []
    n = 0
    for turn in turns:
        tag, value = str(turn.get("from", turn.get("role", ""))), turn.get("value", turn.get("content", ""))
        if tag in ("system",):
            messages.append(Message(role="system", content=value))
        elif tag in ("human", "user"):
            messages.append(Message(role="user", content=value))
        elif tag in ("gpt", "assistant"):
            messages.append(_assistant_text(value))
        elif tag == "function_call":
            think = ""
            if isinstance(value, str) and value.startswith("<think>") and "</think>" in value:
                think, _, value = value[len("<think>") :].partition("</think>")
            calls = json.loads(value) if isinstance(value, str) else value
            calls = calls if isinstance(calls, list) else [calls]
            tool_calls = []
            for call in calls:
                n += 1
                args = call.get("arguments", {})
                tool_calls.append(make_call(f"{id_prefix}-{n}", call["name"], args))
            pending = [c.id for c in tool_calls]
            messages.append(
                Message(role="assistant", tool_calls=tool_calls, reasoning_content=think.strip() or None)
            )
        elif tag in ("observation", "tool", "function"):
            results: list[Any] = [value]
            if len(pending) > 1 and isinstance(value, str) and value.startswith("["):
                parsed = json.loads(value)
                if isinstance(parsed, list) and len(parsed) == len(pending):
                    results = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in parsed]
            for k, result in enumerate(results):
                cid = pending[k] if k < len(pending) else f"{id_prefix}-orphan-{n}-{k}"
                text = result if isinstance(result, str) else json.dumps(result, ensure_ascii=False)
                messages.append(Message(role="tool", tool_call_id=cid, content=text))
            pending = pending[len(results) :]
        else:
            raise ValueError(f"unknown ShareGPT turn role {tag!r}")
    return messages


def _assistant_text(value: str) -> Message:
    if value.startswith("<think>") and "</think>" in value:
        think, _, rest = value[len("<think>") :].partition("</think>")
        return Message(role="assistant", content=rest.strip(), reasoning_content=think.strip())
    return Message(role="assistant", content=value)
