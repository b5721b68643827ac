"""Scripted agent policies (`ChatRequest -> Message`) that play a `Plan`; the offline default.

They plug into `toolmind.llm.ScriptedBackend` and read what they need from `request.context`:
`plan` (the `Plan`), `conversation` (the recorded messages so far, in the assistant's orientation) and,
for the tool agent, `call` (the validated `ToolCall`). They are reactive where it matters: the assistant
takes linked argument values from the actual tool results in the conversation, summarises the actual
results, and explains the actual error text when it corrects an injected mistake.
"""

from __future__ import annotations

import json
import random
from typing import Any

from toolmind.llm.base import ChatRequest
from toolmind.schema import Message, ToolCall, ToolSpec
from toolmind.synth import phrases as ph
from toolmind.synth.plan import Act, Plan, PlannedCall
from toolmind.synth.toolsim import find_field, is_error, results_by_id, simulate
from toolmind.synth.values import coerce, norm_type, phrase, sample_value, say

POLICY_VERSION = "v1"


def _ctx(request: ChatRequest) -> tuple[Plan, list[Message]]:
    plan = request.context.get("plan")
    if not isinstance(plan, Plan):
        raise ValueError(
            "scripted synthesis agents need request.context['plan'] (a toolmind.synth.plan.Plan)"
        )
    return plan, list(request.context.get("conversation", []))


def goal_policy(request: ChatRequest) -> Message:
    """The plan's goal and hidden details, as the JSON a goal-writing model would return."""
    plan, _ = _ctx(request)
    body = {"goal": plan.goal, "hidden_details": plan.hidden_details}
    return Message(role="assistant", content=json.dumps(body, ensure_ascii=False))


def user_policy(request: ChatRequest) -> Message:
    """The next scripted user line (the k-th for the k-th user turn); a stop line past the script."""
    plan, conversation = _ctx(request)
    k = sum(1 for m in conversation if m.role == "user")
    lines = plan.lines
    text = lines[k].text if k < len(lines) else ph.stop(random.Random(f"{plan.key}|user|{k}"))
    return Message(role="assistant", content=text)


def tool_policy(request: ChatRequest) -> Message:
    """A JSON result for the (already validated) call in `request.context['call']`."""
    plan, conversation = _ctx(request)
    call = request.context.get("call")
    spec = plan.tool_map().get(call.function.name) if isinstance(call, ToolCall) else None
    if not isinstance(call, ToolCall) or spec is None:
        raise ValueError("scripted tool agent needs request.context['call'] naming a tool of the plan")
    return Message(role="assistant", content=simulate(call, spec, conversation, plan.key))


def assistant_policy(request: ChatRequest) -> Message:
    """The j-th scripted assistant act for the j-th assistant turn, rendered against the conversation."""
    plan, conversation = _ctx(request)
    j = sum(1 for m in conversation if m.role == "assistant")
    acts = plan.acts
    rng = random.Random(f"{plan.key}|assistant|{j}")
    if j >= len(acts):
        return Message(
            role="assistant",
            reasoning_content="Nothing is left to do.",
            content="Is there anything else I can help you with?",
        )
    act = acts[j]
    if act.kind in ("ask", "decline", "answer"):
        return Message(role="assistant", reasoning_content=act.reasoning, content=act.content)
    results = results_by_id(conversation)
    if act.kind == "summary":
        facts: list[str] = []
        for call_id, call in zip(act.ids, act.calls, strict=False):
            result = results.get(call_id)
            if result is None:
                continue
            if is_error(
                result
            ):  # an unplanned failure (e.g. a model tool agent): say so, never claim success
                message = (
                    result["error"].get("message", "")
                    if isinstance(result["error"], dict)
                    else result["error"]
                )
                facts.append(f"{call.tool} failed ({str(message).rstrip('.')})")
            else:
                facts.extend(ph.facts_of(result, limit=3 if len(act.ids) == 1 else 2))
        reasoning, content = ph.summary(facts, rng)
        return Message(role="assistant", reasoning_content=reasoning, content=content)
    return _call_message(plan, act, results, conversation, rng)


def resolve_arguments(
    plan: Plan, call: PlannedCall, results: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Stated values plus linked values read from earlier results; also the reasoning notes for links."""
    spec = plan.tool_map()[call.tool]
    props = spec.function.parameters.get("properties", {})
    args = dict(call.stated)
    notes: list[str] = []
    for param, (src_step, field) in call.linked.items():
        source_id = plan.step_calls.get(src_step)
        value = find_field(results.get(source_id), field) if source_id else None
        schema = props.get(param, {}) if isinstance(props.get(param), dict) else {}
        value = coerce(value, schema) if value is not None else None
        if value is None:  # the source result lacks the field: fall back to a schema value
            value = sample_value(param, schema, random.Random(f"{plan.key}|link|{call.call_id}|{param}"))
        args[param] = value
        notes.append(f"{param}|{say(value)}|{plan.step_tools.get(src_step, 'the earlier call')}")
    ordered = {p: args[p] for p in props if p in args}
    return ordered, notes


def _call_message(
    plan: Plan, act: Act, results: dict[str, Any], conversation: list[Message], rng: random.Random
) -> Message:
    specs = plan.tool_map()
    calls: list[ToolCall] = []
    reasons: list[str] = []
    distractors = len(specs) > len({c.tool for c in act.calls})
    for call, call_id in zip(act.calls, act.ids, strict=True):
        args, notes = resolve_arguments(plan, call, results)
        name = call.tool
        if act.inject is not None:
            name, args = _mutate(act, specs[call.tool], args)
        calls.append(ToolCall.make(call_id, name, args))
        spec = specs[call.tool]
        if notes:
            param, value, source = notes[0].split("|", 2)
            reasons.append(ph.linked_reasoning(call.tool, param, value, source, rng))
        elif len(act.calls) == 1:
            stated = [(phrase(k), say(v)) for k, v in args.items() if k in call.stated]
            reasons.append(ph.call_reasoning(name, ph.task_phrase(spec), stated, distractors, rng))
    if len(act.calls) > 1:
        reasons = [ph.parallel_reasoning([c.tool for c in act.calls], rng)]
    if act.fixes is not None:
        reasons = [_fix_reasoning(act, plan, conversation, rng)]
    return Message(role="assistant", reasoning_content=" ".join(reasons), content="", tool_calls=calls)


def _mutate(act: Act, spec: ToolSpec, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The injected mistake of a bad call."""
    args = dict(args)
    if act.inject == "wrong_tool" and act.inject_tool:
        return act.inject_tool, args
    param = act.inject_param or ""
    if act.inject == "missing_required":
        args.pop(param, None)
    elif act.inject == "invented_date":
        args[param] = act.inject_value
    elif act.inject == "wrong_type" and param in args:
        value = args[param]
        schema = spec.function.parameters.get("properties", {}).get(param, {})
        args[param] = [value] if norm_type(schema) == "string" else say(value)
    return spec.name, args


def _fix_reasoning(act: Act, plan: Plan, conversation: list[Message], rng: random.Random) -> str:
    call = act.calls[0]
    if act.fixes == "invented_date":
        real = next(
            (v for v in call.stated.values() if isinstance(v, str) and v in _last_user(conversation)), ""
        )
        return ph.date_fix_reasoning(real)
    if act.fixes == "wrong_tool":
        wrong = next(
            (tc.function.name for m in reversed(conversation) if m.tool_calls for tc in m.tool_calls), ""
        )
        return ph.wrong_tool_reasoning(wrong, call.tool, ph.task_phrase(plan.tool_map()[call.tool]))
    last_tool = next((m.content for m in reversed(conversation) if m.role == "tool"), "")
    try:
        error = json.loads(last_tool)["error"]["message"]
    except (json.JSONDecodeError, KeyError, TypeError):
        error = "the arguments were rejected."
    return ph.fix_reasoning(str(error), call.tool, rng)


def _last_user(conversation: list[Message]) -> str:
    return next((m.content for m in reversed(conversation) if m.role == "user"), "")


POLICIES = {"goal": goal_policy, "user": user_policy, "assistant": assistant_policy, "tool": tool_policy}
