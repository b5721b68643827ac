"""LLM judges: a binary verdict on a whole trajectory and on each assistant turn.

Both judges render a `.jinja` prompt, ask any `LLMBackend` and parse a JSON verdict. Verdicts of real
models are cached on disk keyed by the hash of (model, prompt), so a re-run or a resumed run pays nothing
for what was judged before. The scripted judge (`scripted:judge-v1`) answers the same requests offline.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from toolmind.filter.config import FilterConfig
from toolmind.filter.findings import Finding
from toolmind.llm.base import ChatRequest, LLMBackend
from toolmind.llm.cache import ResponseCache, request_key
from toolmind.schema import Message, Trajectory

log = logging.getLogger(__name__)

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "prompts"),
    autoescape=False,
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
)
_MAX_TOOL_RESULT_CHARS = 2000


@dataclass
class Verdict:
    """A judge's binary decision with its reasons."""

    passed: bool
    reasons: list[str] = field(default_factory=list)
    model: str = ""
    cached: bool = False
    criteria_failed: list[str] = field(default_factory=list)


def _render_message(i: int, msg: Message) -> str:
    lines = [f"[{i}] {msg.role.upper()}:"]
    if msg.reasoning_content:
        lines.append(f"  (thinking) {msg.reasoning_content}")
    if msg.content:
        content = msg.content
        if msg.role == "tool" and len(content) > _MAX_TOOL_RESULT_CHARS:
            content = content[:_MAX_TOOL_RESULT_CHARS] + " ...[truncated]"
        lines.append(f"  {content}")
    for call in msg.tool_calls or []:
        lines.append(f"  (call {call.id}) {call.function.name}({call.function.arguments})")
    if msg.role == "tool":
        lines[0] = f"[{i}] TOOL (result of {msg.tool_call_id}):"
    if msg.parse_error:
        lines.append(f"  (undecodable output: {msg.parse_error})")
    return "\n".join(lines)


def render_transcript(traj: Trajectory, upto: int | None = None, mark: int | None = None) -> str:
    """The conversation as numbered, role-labelled text; `mark` flags the turn under review."""
    end = len(traj.messages) if upto is None else upto + 1
    parts = []
    for i, msg in enumerate(traj.messages[:end]):
        text = _render_message(i, msg)
        parts.append(f">>> TURN UNDER REVIEW <<<\n{text}" if i == mark else text)
    return "\n".join(parts)


def _tools_view(traj: Trajectory) -> list[dict[str, str]]:
    return [
        {
            "name": t.name,
            "description": t.function.description,
            "parameters": json.dumps(t.function.parameters, ensure_ascii=False),
        }
        for t in traj.tools
    ]


def parse_verdict(text: str) -> Verdict | None:
    """The last JSON object in `text` that has a `verdict` key (after any <think> block), else None."""
    body = text.split("</think>")[-1]
    decoder = json.JSONDecoder()
    found: dict[str, Any] | None = None
    pos = body.find("{")
    while pos != -1:
        try:
            value, end = decoder.raw_decode(body, pos)
        except json.JSONDecodeError:
            pos = body.find("{", pos + 1)
            continue
        if isinstance(value, dict) and "verdict" in value:
            found = value
        pos = body.find("{", end)
    if found is None:
        return None
    verdict = str(found.get("verdict", "")).strip().lower()
    if verdict not in ("pass", "fail"):
        return None
    reasons = found.get("reasons") or []
    if not isinstance(reasons, list):
        reasons = [str(reasons)]
    failed = [k for k in ("coherence", "role_consistency", "logic", "tool_accuracy") if found.get(k) is False]
    reasons = [str(r) for r in reasons] or [f"{k} failed" for k in failed]
    return Verdict(passed=verdict == "pass" and not failed, reasons=reasons, criteria_failed=failed)


class Judge:
    """Asks a backend for trajectory and turn verdicts, with an on-disk verdict cache."""

    def __init__(self, backend: LLMBackend, config: FilterConfig, cache_dir: str | Path | None) -> None:
        self.backend = backend
        self.config = config
        self.cache = ResponseCache(cache_dir) if cache_dir is not None else None
        self.calls = 0
        self.cache_hits = 0
        self.unparseable = 0

    async def _ask(self, prompt: str, context: dict[str, Any]) -> Verdict:
        model = self.backend.name
        key = request_key({"model": model, "prompt": prompt, "temperature": self.config.judge_temperature})
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                self.cache_hits += 1
                return Verdict(
                    bool(hit["passed"]),
                    list(hit["reasons"]),
                    model,
                    True,
                    list(hit.get("criteria_failed", [])),
                )
        request = ChatRequest(
            messages=[Message(role="user", content=prompt)],
            temperature=self.config.judge_temperature,
            max_tokens=self.config.judge_max_tokens,
            enable_thinking=False,
            context=context,
        )
        completion = await self.backend.complete(request)
        self.calls += 1
        verdict = parse_verdict(completion.message.content)
        if verdict is None:
            self.unparseable += 1
            passed = self.config.judge_unparseable == "pass"
            log.warning(
                "judge %s gave an unparseable verdict; counting it as %s", model, "pass" if passed else "fail"
            )
            return Verdict(passed, ["judge output unparseable"], model)
        verdict.model = model
        if self.cache is not None:
            self.cache.put(
                key,
                {
                    "passed": verdict.passed,
                    "reasons": verdict.reasons,
                    "criteria_failed": verdict.criteria_failed,
                    "model": model,
                },
            )
        return verdict

    async def trajectory(self, traj: Trajectory, findings: list[Finding]) -> Verdict:
        """Verdict on the whole conversation."""
        prompt = _ENV.get_template("trajectory_judge.jinja").render(
            tools=_tools_view(traj), transcript=render_transcript(traj)
        )
        return await self._ask(prompt, {"role": "trajectory_judge", "trajectory": traj, "findings": findings})

    async def turn(self, traj: Trajectory, index: int, findings: list[Finding]) -> Verdict:
        """Verdict on the assistant turn at message `index` (the conversation up to it is context)."""
        prompt = _ENV.get_template("turn_judge.jinja").render(
            tools=_tools_view(traj), transcript=render_transcript(traj, upto=index, mark=index)
        )
        context = {"role": "turn_judge", "trajectory": traj, "findings": findings, "message_index": index}
        return await self._ask(prompt, context)
