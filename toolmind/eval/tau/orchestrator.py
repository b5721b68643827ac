"""One τ² episode: agent ↔ user ↔ environment, until a stop, a transfer or a limit.

The agent sees `[system(policy), greeting, user, assistant/tool ...]` and the tools; the user simulator
sees its own conversation with roles flipped (agent text arrives as `user`) and, in dual-control domains,
its device tools. Malformed agent output (`Message.parse_error`) ends the episode as a failure
(`agent_parse_error`, reward 0): it is counted, never dropped. A backend that cannot answer at all ends the
episode as `llm_error`, also counted with reward 0.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from toolmind.eval.tau.agents import (
    AGENT_GREETING,
    OUT_OF_SCOPE_TOKEN,
    STOP_TOKENS,
    TRANSFER_TOKEN,
    agent_system_prompt,
    judge_nl_assertions,
    user_system_prompt,
)
from toolmind.eval.tau.data import Task
from toolmind.eval.tau.domain import TRANSFER_TOOL, ActionRecord, Domain, Environment, Requestor
from toolmind.eval.tau.grading import Grade, grade_episode
from toolmind.llm.base import ChatRequest, LLMBackend, LLMError, Usage
from toolmind.schema import USER_STOP_TOKEN, Message

log = logging.getLogger(__name__)


@dataclass
class EpisodeConfig:
    """Limits and sampling of one episode."""

    max_steps: int = field(
        default=100, metadata={"help": "Most model turns (agent + user, tool steps included) per episode."}
    )
    max_errors: int = field(default=10, metadata={"help": "Tool-call errors after which the episode ends."})
    agent_temperature: float = field(default=0.0, metadata={"help": "Sampling temperature of the agent."})
    user_temperature: float = field(
        default=0.0, metadata={"help": "Sampling temperature of the user simulator."}
    )
    agent_max_tokens: int | None = field(default=None, metadata={"help": "Token budget of one agent turn."})
    enable_thinking: bool = field(default=True, metadata={"help": "Qwen3 thinking switch for the agent."})


class EpisodeResult(BaseModel):
    """Everything recorded about one (task, trial): one line of `results.jsonl`."""

    domain: str
    task_id: str
    trial: int
    agent_model: str
    user_model: str
    judge_model: str | None = None
    termination: str
    steps: int
    reward: float
    grade: Grade
    messages: list[Message]
    actions: list[ActionRecord]
    usage: dict[str, Any] = Field(default_factory=dict)
    duration_s: float = 0.0
    error: str | None = None


@dataclass
class _Tally:
    steps: int = 0
    errors: int = 0
    agent: Usage = field(default_factory=Usage)
    user: Usage = field(default_factory=Usage)
    judge: Usage = field(default_factory=Usage)


def _end_reason(text: str) -> str | None:
    if TRANSFER_TOKEN in text:
        return "transfer"
    if USER_STOP_TOKEN in text or OUT_OF_SCOPE_TOKEN in text:
        return "user_stop"
    return None


def _run_calls(env: Environment, msg: Message, requestor: Requestor, tally: _Tally) -> list[Message]:
    """Execute a message's tool calls; one tool message per call (bad JSON arguments are tool errors)."""
    out = []
    for tc in msg.tool_calls or []:
        try:
            args = tc.function.parsed_arguments()
        except ValueError as exc:
            env.log.append(
                ActionRecord(
                    requestor=requestor,
                    name=tc.function.name,
                    arguments={},
                    content=f"Error: {exc}",
                    error=True,
                )
            )
            out.append(
                Message(role="tool", content=f"Error: {exc}", tool_call_id=tc.id, name=tc.function.name)
            )
            tally.errors += 1
            continue
        result = env.call(tc.function.name, args, requestor)
        tally.errors += int(result.error)
        out.append(Message(role="tool", content=result.content, tool_call_id=tc.id, name=tc.function.name))
    return out


async def _user_turn(
    user: LLMBackend,
    env: Environment,
    user_msgs: list[Message],
    tally: _Tally,
    cfg: EpisodeConfig,
    task: Task,
) -> str | None:
    """Let the user act (device tool calls included) until it says something; None at the step limit."""
    tools = env.user_tools.specs() if env.user_tools is not None else None
    while tally.steps < cfg.max_steps:
        req = ChatRequest(
            messages=user_msgs,
            tools=tools,
            temperature=cfg.user_temperature,
            context={"role": "tau-user", "task_id": task.id},
        )
        completion = await user.complete(req)
        tally.steps += 1
        tally.user.add(completion.usage)
        msg = completion.message
        if msg.tool_calls and env.user_tools is not None:
            user_msgs.append(Message(role="assistant", content=msg.content, tool_calls=msg.tool_calls))
            user_msgs.extend(_run_calls(env, msg, "user", tally))
            continue
        text = msg.content or ""
        user_msgs.append(Message(role="assistant", content=text))
        return text
    return None


async def run_episode(
    domain: Domain,
    task: Task,
    trial: int,
    agent: LLMBackend,
    user: LLMBackend,
    cfg: EpisodeConfig,
    judge: LLMBackend | None = None,
) -> tuple[EpisodeResult, Environment]:
    """Simulate and grade one episode; returns the result and the final environment."""
    start = time.perf_counter()
    env = domain.env(task)
    tally = _Tally()
    system = Message(role="system", content=agent_system_prompt(domain.policy))
    specs = env.tools.specs()
    greeting = Message(role="assistant", content=AGENT_GREETING)
    agent_msgs: list[Message] = [greeting]
    user_msgs = [
        Message(role="system", content=user_system_prompt(task, env.user_tools is not None)),
        Message(role="user", content=AGENT_GREETING),
    ]
    termination = "max_steps"
    error: str | None = None
    try:
        while termination == "max_steps":
            text = await _user_turn(user, env, user_msgs, tally, cfg, task)
            if text is None:
                break
            agent_msgs.append(Message(role="user", content=text))
            reason = _end_reason(text)
            if reason is not None:
                termination = reason
                break
            while tally.steps < cfg.max_steps:
                req = ChatRequest(
                    messages=[system, *agent_msgs],
                    tools=specs,
                    temperature=cfg.agent_temperature,
                    max_tokens=cfg.agent_max_tokens,
                    enable_thinking=cfg.enable_thinking,
                    context={"role": "tau-agent", "task_id": task.id, "domain": domain.name},
                )
                completion = await agent.complete(req)
                tally.steps += 1
                tally.agent.add(completion.usage)
                msg = completion.message.model_copy(update={"role": "assistant"})
                agent_msgs.append(msg)
                if msg.parse_error is not None:
                    termination = "agent_parse_error"
                    break
                if msg.tool_calls:
                    agent_msgs.extend(_run_calls(env, msg, "assistant", tally))
                    if any(tc.function.name == TRANSFER_TOOL for tc in msg.tool_calls):
                        termination = "transfer"
                        break
                    if tally.errors >= cfg.max_errors:
                        termination = "too_many_errors"
                        break
                    continue
                if any(tok in msg.content for tok in STOP_TOKENS):
                    termination = "agent_stop"
                    break
                user_msgs.append(Message(role="user", content=msg.content))
                break
    except LLMError as exc:
        termination, error = "llm_error", f"{type(exc).__name__}: {exc}"
        log.warning("task %s trial %d: %s", task.id, trial, error)
    assistant_texts = [m.content for m in agent_msgs[1:] if m.role == "assistant" and m.content]
    nl = (task.evaluation_criteria.nl_assertions if task.evaluation_criteria else None) or []
    crit_basis = task.evaluation_criteria.reward_basis if task.evaluation_criteria else []
    verdicts = None
    if judge is not None and nl and "NL_ASSERTION" in crit_basis:
        verdicts = await judge_nl_assertions(judge, agent_msgs, nl, tally.judge)
    grade = grade_episode(domain, task, env.log, assistant_texts, termination, verdicts)
    usage = {
        name: {
            "prompt_tokens": u.prompt_tokens,
            "completion_tokens": u.completion_tokens,
            "cost_usd": u.cost_usd,
        }
        for name, u in (("agent", tally.agent), ("user", tally.user), ("judge", tally.judge))
    }
    result = EpisodeResult(
        domain=domain.name,
        task_id=task.id,
        trial=trial,
        agent_model=agent.name,
        user_model=user.name,
        judge_model=judge.name if judge is not None else None,
        termination=termination,
        steps=tally.steps,
        reward=grade.reward,
        grade=grade,
        messages=[system, *agent_msgs],
        actions=list(env.log),
        usage=usage,
        duration_s=round(time.perf_counter() - start, 4),
        error=error,
    )
    return result, env
