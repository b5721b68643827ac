"""The four agents of a synthesis run (goal writer, user, assistant, tool) over any `LLMBackend`.

Each agent renders its prompt from a `.jinja` file in `toolmind/synth/prompts/`, sends one `ChatRequest`
and turns the completion into the message the conversation records. The same code serves real models
(litellm, transformers) and the scripted policies: scripted backends also receive the plan and the
recorded conversation in `request.context`. Model output is never trusted: a user turn is whatever text
came back, a tool result that is not JSON is recorded with `parse_error` set, and nothing is executed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from toolmind.llm.base import ChatRequest, Completion, LLMBackend
from toolmind.schema import USER_STOP_TOKEN, Message, ToolCall, ToolSpec
from toolmind.synth.config import AgentConfig
from toolmind.synth.plan import Plan
from toolmind.synth.validate import validate_call

PROMPTS = Path(__file__).parent / "prompts"


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(PROMPTS)),
        undefined=jinja2.StrictUndefined,
        auto_reload=False,  # prompts are package data: no stat() per render
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def render_prompt(name: str, **values: Any) -> str:
    """Render `prompts/<name>.jinja`."""
    return _env().get_template(f"{name}.jinja").render(**values).strip()


@lru_cache(maxsize=8)
def fixed_prompt(name: str) -> str:
    """A prompt without variables (the assistant's system prompt), rendered once."""
    return render_prompt(name)


@dataclass
class Agent:
    """A backend plus its request settings."""

    role: str
    backend: LLMBackend
    cfg: AgentConfig

    @property
    def name(self) -> str:
        return self.backend.name

    async def complete(
        self, messages: list[Message], context: dict[str, Any], tools: list[ToolSpec] | None = None
    ) -> Completion:
        request = ChatRequest(
            messages=messages,
            tools=tools,
            temperature=self.cfg.temperature,
            max_tokens=self.cfg.max_tokens,
            enable_thinking=self.cfg.enable_thinking,
            context={"role": self.role, **context},
        )
        return await self.backend.complete(request)


def extract_json(text: str) -> Any:
    """The first JSON value in a model's answer (code fences and surrounding prose tolerated)."""
    text = re.sub(r"<think>.*?</think>", "", text, flags=re.DOTALL).strip()
    fence = re.search(r"```(?:json)?\s*(.*?)```", text, flags=re.DOTALL)
    if fence:
        text = fence.group(1).strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    start = min((i for i in (text.find("{"), text.find("[")) if i >= 0), default=-1)
    if start < 0:
        raise ValueError("no JSON value in the answer")
    value, _ = json.JSONDecoder().raw_decode(text[start:])
    return value


async def write_goal(agent: Agent, plan: Plan) -> tuple[str, list[dict[str, Any]], Completion, str | None]:
    """(goal, hidden details, completion, error). An answer that is not the expected JSON keeps the plan's
    own goal and reports the error (recorded in meta as `goal_error`)."""
    specs = plan.tool_map()
    steps = [specs[plan.step_tools[i]] for i in sorted(plan.step_tools)]
    prompt = render_prompt("goal", tools=steps, links=plan.links)
    completion = await agent.complete([Message(role="user", content=prompt)], {"plan": plan})
    try:
        data = extract_json(completion.message.content)
        goal = data["goal"]
        hidden = data.get("hidden_details", [])
        if not isinstance(goal, str) or not goal.strip():
            raise ValueError("'goal' must be a non-empty string")
        if isinstance(hidden, dict):
            hidden = [{"tool": k, "arguments": v} for k, v in hidden.items()]
        if not isinstance(hidden, list):
            raise ValueError("'hidden_details' must be a list")
        return (
            goal,
            [h if isinstance(h, dict) else {"tool": "", "arguments": h} for h in hidden],
            completion,
            None,
        )
    except (ValueError, KeyError, TypeError) as exc:
        return plan.goal, plan.hidden_details, completion, f"goal agent answer unusable: {exc}"


def _user_view(conversation: list[Message]) -> list[Message]:
    """The conversation as the user simulator sees it: roles swapped, tool traffic hidden."""
    out: list[Message] = []
    for m in conversation:
        if m.role == "user":
            out.append(Message(role="assistant", content=m.content))
        elif m.role == "assistant" and m.content.strip():
            out.append(Message(role="user", content=m.content))
    if not out or out[-1].role == "assistant":
        out.append(Message(role="user", content="(The assistant is waiting for your message.)"))
    return out


def user_prompt(goal: str, hidden: list[dict[str, Any]]) -> str:
    """The user simulator's system prompt (rendered once per trajectory)."""
    return render_prompt("user", goal=goal, hidden_details=hidden, stop_token=USER_STOP_TOKEN)


async def user_turn(
    agent: Agent, plan: Plan, system: str, conversation: list[Message]
) -> tuple[Message, Completion]:
    messages = [Message(role="system", content=system), *_user_view(conversation)]
    completion = await agent.complete(messages, {"plan": plan, "conversation": conversation})
    reply = completion.message
    text = reply.content.strip() or (reply.reasoning_content or "").strip()
    return Message(role="user", content=text, parse_error=reply.parse_error), completion


async def assistant_turn(agent: Agent, plan: Plan, conversation: list[Message]) -> tuple[Message, Completion]:
    messages = [Message(role="system", content=fixed_prompt("assistant")), *conversation]
    completion = await agent.complete(
        messages, {"plan": plan, "conversation": conversation}, tools=plan.tools
    )
    reply = completion.message
    return reply.model_copy(update={"role": "assistant", "name": None, "tool_call_id": None}), completion


def _earlier(conversation: list[Message], name: str) -> list[dict[str, str]]:
    results = {m.tool_call_id: m.content for m in conversation if m.role == "tool"}
    return [
        {"name": tc.function.name, "arguments": tc.function.arguments, "result": results[tc.id]}
        for m in conversation
        if m.role == "assistant" and m.tool_calls
        for tc in m.tool_calls
        if tc.id in results and tc.function.name == name
    ][-5:]


async def tool_result(
    agent: Agent, plan: Plan, call: ToolCall, conversation: list[Message]
) -> tuple[Message, Completion | None]:
    """Validate first (a JSON error result, no model call, when invalid); otherwise simulate."""
    tools = plan.tool_map()
    error = validate_call(call, tools)
    if error is not None:
        content = json.dumps(error.result(), ensure_ascii=False)
        return Message(role="tool", tool_call_id=call.id, name=call.function.name, content=content), None
    spec = tools[call.function.name]
    system = render_prompt("tool", tool=spec, earlier=_earlier(conversation, spec.name))
    user = json.dumps(
        {"name": call.function.name, "arguments": call.function.parsed_arguments()}, ensure_ascii=False
    )
    completion = await agent.complete(
        [Message(role="system", content=system), Message(role="user", content=user)],
        {"plan": plan, "conversation": conversation, "call": call},
    )
    raw = completion.message.content
    parse_error = completion.message.parse_error
    try:
        content = json.dumps(extract_json(raw), ensure_ascii=False)
    except ValueError as exc:
        content, parse_error = raw, f"tool simulator answer is not JSON: {exc}"
    return Message(
        role="tool", tool_call_id=call.id, name=call.function.name, content=content, parse_error=parse_error
    ), completion
