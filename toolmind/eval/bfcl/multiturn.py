"""Multi-turn generation: our model in this process, BFCL's simulated backends in the scorer's.

Design: the conversation loop (prompting, batching, decoding) runs here with any toolmind backend; tool
calls are executed by `workers/executor.py`, a long-lived child process in the scorer environment that
holds the official backend instances (file system, trading bot, travel API, ...) per entry and answers
JSON lines on stdin/stdout. The loop mirrors the official prompting handler step by step: a turn ends
when a response decodes to no call (or fails to decode); a conversation is force-quit after
`MAX_STEPS_PER_TURN` steps; held-out functions (miss_func) arrive as a user turn. Active conversations
advance in lockstep so each step is one batched generation call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from toolmind.eval.bfcl.generators import Generator, GenRequest
from toolmind.eval.bfcl.prompt import format_prompt, held_out_functions_message, parse_response
from toolmind.eval.bfcl.scorer_env import ScorerEnvError, popen_worker

#: Official step limit (bfcl_eval default_prompts.MAXIMUM_STEP_LIMIT); more steps force-quit the entry.
MAX_STEPS_PER_TURN = 20


def decode_execute_calls(text: str) -> list[dict[str, Any]] | None:
    """Decode a response as the Qwen FC handler's ``decode_execute`` does.

    Returns:
        ``[{"name", "arguments": dict}]`` (possibly empty: the turn ends), or None when decoding fails
        (the official loop also ends the turn).
    """
    from toolmind.eval.bfcl.prompt import extract_tool_calls

    calls = []
    for item in extract_tool_calls(text):
        if not isinstance(item, dict) or "name" not in item or "arguments" not in item:
            return None
        args = item["arguments"]
        if isinstance(args, str):
            try:
                args = json.loads(args)
            except json.JSONDecodeError:
                return None
        if not isinstance(args, dict):
            return None
        calls.append({"name": item["name"], "arguments": args})
    return calls


class BackendExecutor:
    """Client of the executor worker (a context manager; one worker per generation run)."""

    def __init__(self, project_root: Path) -> None:
        self.log_path = project_root / "executor.log"
        self.proc = popen_worker("executor.py", [], project_root, log=self.log_path)

    def _ask(self, op: str, entry: dict[str, Any], **extra: Any) -> dict[str, Any]:
        request = {
            "op": op,
            "id": entry["id"],
            "involved_classes": entry["involved_classes"],
            "initial_config": entry.get("initial_config", {}),
            "long_context": "long_context" in entry["id"],
            **extra,
        }
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise ScorerEnvError(
                f"BFCL executor worker died (exit code {self.proc.poll()}) on entry {entry['id']}; "
                f"see {self.log_path}"
            )
        answer: dict[str, Any] = json.loads(line)
        return answer

    def execute(self, entry: dict[str, Any], calls: list[dict[str, Any]]) -> list[str]:
        """Execute calls in the entry's backend instances; returns one result string per call."""
        results: list[str] = self._ask("execute", entry, calls=calls)["results"]
        return results

    def memory_question(self, entry: dict[str, Any]) -> list[list[dict[str, Any]]]:
        """The entry's turns with the official memory instruction (and current core memory) put first."""
        category = entry["id"].rsplit("_", 1)[0]
        answer = self._ask(
            "memory_prompt", entry, question=entry["question"], category=category, scenario=entry["scenario"]
        )
        question: list[list[dict[str, Any]]] = answer["question"]
        return question

    def flush_memory(self, entry: dict[str, Any]) -> None:
        """Persist a memory pre-requisite entry's memory (the snapshot the next entries load)."""
        self._ask("flush", entry)

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)

    def __enter__(self) -> BackendExecutor:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


@dataclass
class _Conversation:
    entry: dict[str, Any]
    messages: list[dict[str, Any]] = field(default_factory=list)
    turn: int = -1
    steps: int = 0
    turns: list[list[str]] = field(default_factory=list)
    reasoning: list[list[str]] = field(default_factory=list)
    in_tokens: list[list[int]] = field(default_factory=list)
    out_tokens: list[list[int]] = field(default_factory=list)
    done: bool = False

    def next_turn(self) -> None:
        self.turn += 1
        self.steps = 0
        questions = self.entry["question"]
        if self.turn >= len(questions):
            self.done = True
            return
        held = (self.entry.get("missed_function") or {}).get(str(self.turn))
        self.messages.extend([held_out_functions_message(held)] if held else questions[self.turn])
        for lst in (self.turns, self.reasoning, self.in_tokens, self.out_tokens):
            lst.append([])

    def row(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "id": self.entry["id"],
            "result": self.turns,
            "input_token_count": self.in_tokens,
            "output_token_count": self.out_tokens,
            "latency": [[0.0] * len(t) for t in self.turns],
        }
        if any(r for turn in self.reasoning for r in turn):
            row["reasoning_content"] = self.reasoning
        return row


def run_conversations(
    entries: list[dict[str, Any]], generator: Generator, executor: BackendExecutor, *, thinking: bool
) -> list[dict[str, Any]]:
    """Play a batch of prepared multi-turn entries to the end; returns their result rows."""
    convs = [_Conversation(entry=e) for e in entries]
    for c in convs:
        if "scenario" in c.entry:  # memory: instruction + core memory as loaded from the snapshot
            c.entry = {**c.entry, "question": executor.memory_question(c.entry)}
        c.next_turn()
    while active := [c for c in convs if not c.done]:
        requests = [
            GenRequest(
                c.messages,
                c.entry["function"],
                format_prompt(c.messages, c.entry["function"], thinking=thinking),
            )
            for c in active
        ]
        for c, out in zip(active, generator.generate(requests), strict=True):
            parsed = parse_response(out.text)
            c.messages.append(parsed.history_message())
            c.turns[-1].append(parsed.text)
            c.reasoning[-1].append(parsed.reasoning)
            c.in_tokens[-1].append(out.prompt_tokens)
            c.out_tokens[-1].append(out.completion_tokens)
            calls = decode_execute_calls(parsed.text)
            if not calls:
                c.next_turn()
                continue
            for result in executor.execute(c.entry, calls):
                c.messages.append({"role": "tool", "content": result})
            c.steps += 1
            if c.steps > MAX_STEPS_PER_TURN:
                c.done = True  # force-quit: fewer turns than the ground truth, scored wrong
    for c in convs:
        if "_prereq_" in c.entry["id"]:
            executor.flush_memory(c.entry)
    return [c.row() for c in convs]
