"""`scripted:judge-v1`: the deterministic offline judge.

It answers the judge prompts without a model, from the rule findings the filter passes in the request
context plus a few heuristics a careful reader would apply (role confusion, uncorrected mistakes, a
conversation that ends without a reply, verbatim repetition). It is the offline default and the test
double; outputs name it so nobody mistakes its verdicts for a model's.
"""

from __future__ import annotations

import json
from typing import Any

from toolmind.filter.findings import Finding
from toolmind.llm.base import ChatRequest, Completion
from toolmind.schema import USER_STOP_TOKEN, Message, Trajectory

_ROLE_PREFIXES = ("user:", "assistant:", "system:", "tool:")


def _role_problems(traj: Trajectory) -> list[str]:
    problems = []
    for i, msg in enumerate(traj.messages):
        text = msg.content.lstrip().lower()
        if msg.role == "user" and ("<tool_call>" in text or "<tool_response>" in text):
            problems.append(f"message {i}: the user speaks in tool-call markup")
        if msg.role == "assistant" and USER_STOP_TOKEN.lower() in text:
            problems.append(f"message {i}: the assistant emits the user's stop signal")
        if msg.role in ("user", "assistant") and text.startswith(_ROLE_PREFIXES):
            problems.append(f"message {i}: the {msg.role} writes another party's role label")
    return problems


def trajectory_verdict(traj: Trajectory, findings: list[Finding]) -> dict[str, Any]:
    """The rubric verdict of one conversation."""
    reasons: list[str] = []
    tool_accuracy = logic = coherence = True
    for f in findings:
        if f.scope == "trajectory":
            reasons.append(f.reason())
            if f.rule in ("hidden_detail_leak",):
                logic = False
            elif f.rule in ("no_stop", "no_assistant_turn", "too_many_turns", "too_many_messages"):
                coherence = False
            else:
                tool_accuracy = False
    bad_turns = sorted(
        {f.message_index for f in findings if f.scope == "turn" and f.message_index is not None}
    )
    assistant = traj.assistant_indices()
    clean = [i for i in assistant if i not in bad_turns]
    calling = {i for i in clean if traj.messages[i].tool_calls}
    for i in bad_turns:
        # A bad call is corrected by a later clean call; a bad reply by any later clean turn.
        later = calling if traj.messages[i].tool_calls else set(clean)
        if not any(j > i for j in later):
            logic = False
            reasons.append(f"the mistake at message {i} is never corrected")
            break
    if assistant and not traj.messages[assistant[-1]].content.strip():
        coherence = False
        reasons.append("the assistant never replies to the user after its last tool call")
    role_problems = _role_problems(traj)
    reasons += role_problems
    role_consistency = not role_problems
    passed = tool_accuracy and logic and coherence and role_consistency
    return {
        "coherence": coherence,
        "role_consistency": role_consistency,
        "logic": logic,
        "tool_accuracy": tool_accuracy,
        "verdict": "pass" if passed else "fail",
        "reasons": reasons,
    }


def turn_verdict(traj: Trajectory, index: int, findings: list[Finding]) -> dict[str, Any]:
    """The verdict of the assistant turn at message `index`."""
    reasons = [f.reason() for f in findings if f.scope == "turn" and f.message_index == index]
    msg = traj.messages[index]
    if USER_STOP_TOKEN in msg.content:
        reasons.append("the assistant emits the user's stop signal")
    text = msg.content.strip()
    if len(text) > 20 and any(
        m.role == "assistant" and m.content.strip() == text for m in traj.messages[:index]
    ):
        reasons.append("verbatim repetition of an earlier assistant reply")
    superseded = _superseded_by(traj, index)
    if superseded is not None:
        reasons.append(
            f"wrong tool: the next turn (message {superseded}) sends the same arguments to another tool "
            "without new input from the user"
        )
    return {"verdict": "fail" if reasons else "pass", "reasons": reasons}


def _superseded_by(traj: Trajectory, index: int) -> int | None:
    """The next assistant turn if it re-sends this turn's arguments to different tools, else None."""
    msg = traj.messages[index]
    if not msg.tool_calls:
        return None
    for j in range(index + 1, len(traj.messages)):
        nxt = traj.messages[j]
        if nxt.role == "user":
            return None
        if nxt.role == "assistant":
            if not nxt.tool_calls:
                return None
            mine = {(c.function.name, c.function.arguments) for c in msg.tool_calls}
            theirs = {(c.function.name, c.function.arguments) for c in nxt.tool_calls}
            same_args = {a for _, a in mine} == {a for _, a in theirs}
            return j if same_args and not mine & theirs else None
    return None


class ScriptedJudge:
    """An `LLMBackend` that answers `trajectory_judge` and `turn_judge` requests deterministically."""

    @property
    def name(self) -> str:
        return "scripted:judge-v1"

    async def complete(self, request: ChatRequest) -> Completion:
        ctx = request.context
        traj: Trajectory = ctx["trajectory"]
        findings: list[Finding] = ctx.get("findings", [])
        if ctx.get("role") == "turn_judge":
            verdict = turn_verdict(traj, int(ctx["message_index"]), findings)
        elif ctx.get("role") == "trajectory_judge":
            verdict = trajectory_verdict(traj, findings)
        else:
            raise ValueError(f"scripted judge: unknown request role {ctx.get('role')!r}")
        message = Message(role="assistant", content=json.dumps(verdict, ensure_ascii=False))
        return Completion(message=message, model="judge-v1", backend="scripted")
