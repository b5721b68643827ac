"""The turn loop of one trajectory: goal -> user -> (assistant -> tools)* -> user ... -> ###STOP###.

`run_trajectory` plays one plan with the configured agents and returns either a finished `Trajectory`
(the user ended with `###STOP###`) or an `Outcome` with a failure reason (max turns, token budget, an LLM
error after the client's retries). Tool calls of one assistant turn are simulated concurrently. Nothing
here depends on wall-clock time or scheduling, so the same plan and agents give the same record.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from toolmind.llm.base import Completion, LLMError, Usage
from toolmind.schema import USER_STOP_TOKEN, Message, Trajectory
from toolmind.synth.agents import Agent, assistant_turn, tool_result, user_prompt, user_turn, write_goal
from toolmind.synth.config import SynthConfig
from toolmind.synth.plan import Plan


@dataclass
class Agents:
    goal: Agent
    user: Agent
    assistant: Agent
    tool: Agent

    def names(self) -> dict[str, str]:
        return {a.role: a.name for a in (self.goal, self.user, self.assistant, self.tool)}

    def scripted(self, role: str) -> bool:
        return bool(getattr(self, role).name.startswith("scripted:"))


@dataclass
class Outcome:
    """The result of one trajectory: `trajectory` when finished, else `reason` (+ the partial messages)."""

    trajectory: Trajectory | None
    reason: str = "ok"
    error: str = ""
    messages: list[Message] = field(default_factory=list)
    partial: Trajectory | None = None  # failed runs: what was said before the failure
    usage: Usage = field(default_factory=Usage)
    llm_calls: int = 0


class _Budget(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Loop:
    def __init__(self, plan: Plan, agents: Agents, cfg: SynthConfig, config_hash: str) -> None:
        self.plan, self.agents, self.cfg, self.config_hash = plan, agents, cfg, config_hash
        self.messages: list[Message] = []
        self.usage = Usage()
        self.llm_calls = 0
        self.injected: list[dict[str, Any]] = []
        self.goal: tuple[str, list[dict[str, Any]], str | None] = (plan.goal, plan.hidden_details, None)

    def _spend(self, completion: Completion | None) -> None:
        if completion is None:
            return
        self.llm_calls += 1
        self.usage.add(completion.usage)
        if self.usage.prompt_tokens + self.usage.completion_tokens > self.cfg.max_tokens:
            raise _Budget("max_tokens")

    def _append(self, message: Message) -> None:
        if len(self.messages) >= self.cfg.max_turns:
            raise _Budget("max_turns")
        self.messages.append(message)

    async def run(self) -> Outcome:
        plan, agents = self.plan, self.agents
        goal, hidden, completion, goal_error = await write_goal(agents.goal, plan)
        self.goal = (goal, hidden, goal_error)
        self._spend(completion)
        system = user_prompt(goal, hidden)
        while True:
            user, completion = await user_turn(agents.user, plan, system, self.messages)
            self._spend(completion)
            self._append(user)
            if USER_STOP_TOKEN in user.content:
                break
            await self._assistant_until_reply()
        trajectory = self.record("user_stop")
        return Outcome(trajectory, messages=self.messages, usage=self.usage, llm_calls=self.llm_calls)

    def record(self, stop_reason: str) -> Trajectory:
        """The conversation so far as a schema-valid record (also for failed runs, in failed.jsonl)."""
        goal, hidden, goal_error = self.goal
        meta = {**self._meta(goal, hidden, goal_error), "stop_reason": stop_reason}
        return Trajectory(
            id=self.plan.trajectory_id, tools=self.plan.tools, messages=self.messages, meta=meta
        )

    async def _assistant_until_reply(self) -> None:
        for _ in range(self.cfg.max_calls_per_turn + 1):
            act_index = sum(1 for m in self.messages if m.role == "assistant")
            reply, completion = await assistant_turn(self.agents.assistant, self.plan, self.messages)
            self._spend(completion)
            self._append(reply)
            self._note_injection(act_index)
            if not reply.tool_calls:
                return
            snapshot = list(self.messages)
            results = await asyncio.gather(
                *(tool_result(self.agents.tool, self.plan, call, snapshot) for call in reply.tool_calls)
            )
            for message, tool_completion in results:
                self._spend(tool_completion)
                self._append(message)
        raise _Budget("max_calls_per_turn")

    def _note_injection(self, act_index: int) -> None:
        if not self.agents.scripted("assistant"):
            return
        acts = self.plan.acts
        if act_index < len(acts) and acts[act_index].inject:
            self.injected.append({"message_index": len(self.messages) - 1, "kind": acts[act_index].inject})

    def _meta(self, goal: str, hidden: list[dict[str, Any]], goal_error: str | None) -> dict[str, Any]:
        plan = self.plan
        scripted_user = self.agents.scripted("user")
        defects = [
            d
            for d in plan.defects
            if (d == "user_gave_up" and scripted_user)
            or (d == "hidden_detail_leak" and self.agents.scripted("assistant"))
        ]
        meta: dict[str, Any] = {
            "backend": self.agents.names(),
            "chain": plan.chain.model_dump(exclude_none=True),
            "goal": goal,
            "hidden_details": hidden,
            "situations": list(plan.situations) if scripted_user else [],
            "seed": plan.seed,
            "config_hash": self.config_hash,
            "injected_errors": self.injected,
            "injected_trajectory_defects": defects,
            "goal_reached": ("user_gave_up" not in defects) if scripted_user else None,
            "usage": {
                "prompt_tokens": self.usage.prompt_tokens,
                "completion_tokens": self.usage.completion_tokens,
                "cost_usd": round(self.usage.cost_usd, 6),
                "llm_calls": self.llm_calls,
            },
        }
        if goal_error:
            meta["goal_error"] = goal_error
        return meta


async def run_trajectory(plan: Plan, agents: Agents, cfg: SynthConfig, config_hash: str) -> Outcome:
    """Play one plan; never raises for budget or LLM failures (they become the Outcome's reason)."""
    loop = _Loop(plan, agents, cfg, config_hash)
    try:
        return await asyncio.wait_for(loop.run(), timeout=cfg.timeout_s)
    except _Budget as exc:
        reason, error = exc.reason, ""
    except TimeoutError:
        reason, error = "timeout", f"trajectory exceeded {cfg.timeout_s:g} s"
    except LLMError as exc:
        reason, error = "llm_error", str(exc)
    partial = loop.record(reason) if loop.messages else None
    return Outcome(None, reason, error, loop.messages, partial, loop.usage, loop.llm_calls)
