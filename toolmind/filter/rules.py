"""Rule checks: cheap, deterministic defects of a trajectory.

Each check returns `Finding`s. A defect that belongs to one assistant turn (a bad call, an invented
date, a pointless repeat) has `scope="turn"`: the turn-level filter masks that turn and keeps the rest, so
the model still learns the self-correction that follows. A defect of the conversation as a whole (unpaired
tool-call ids, no completion signal, a loop, leaked goal details) has `scope="trajectory"`: the
trajectory-level filter drops the record.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from jsonschema import SchemaError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for

from toolmind.filter.config import FilterConfig
from toolmind.filter.dates import absolute_dates, has_clock, has_relative_expression, strings_in
from toolmind.filter.findings import CallRecord, Finding, index_calls
from toolmind.filter.leakage import leaked_details
from toolmind.schema import USER_STOP_TOKEN, Trajectory

# Non-standard type names found in open tool data (BFCL, ToolACE: "dict", "float") -> JSON Schema.
_TYPE_ALIASES = {
    "dict": "object",
    "float": "number",
    "int": "integer",
    "str": "string",
    "bool": "boolean",
    "list": "array",
    "tuple": "array",
}
_validators: dict[str, Validator | None] = {}


def normalise_schema(schema: Any) -> Any:
    """Map Python-style type names to JSON Schema ones, recursively (returns a new object)."""
    if isinstance(schema, dict):
        out = {k: normalise_schema(v) for k, v in schema.items()}
        t = out.get("type")
        if isinstance(t, str):
            if t in _TYPE_ALIASES:
                out["type"] = _TYPE_ALIASES[t]
            elif t == "any":
                del out["type"]
        elif isinstance(t, list):
            out["type"] = [_TYPE_ALIASES.get(x, x) for x in t if isinstance(x, str)]
        return out
    if isinstance(schema, list):
        return [normalise_schema(v) for v in schema]
    return schema


def schema_validator(parameters: dict[str, Any]) -> Validator | None:
    """A cached validator for a tool's parameter schema; None when the schema itself is invalid."""
    key = json.dumps(parameters, sort_keys=True)
    if key not in _validators:
        schema = normalise_schema(parameters)
        cls = validator_for(schema)
        try:
            cls.check_schema(schema)
            _validators[key] = cls(schema)
        except SchemaError:
            _validators[key] = None
    return _validators[key]


def check_calls(traj: Trajectory, calls: list[CallRecord], config: FilterConfig) -> list[Finding]:
    """Parse errors, unknown tools, schema-invalid arguments, tool errors, repeated calls."""
    findings: list[Finding] = []
    tools = traj.tool_by_name()
    for i, msg in enumerate(traj.messages):
        if msg.role != "assistant":
            continue
        if msg.parse_error:
            findings.append(
                Finding("parse_error", f"model output not decodable: {msg.parse_error}", "turn", i)
            )
        if not msg.content.strip() and not msg.tool_calls and not msg.parse_error:
            findings.append(
                Finding("empty_turn", "assistant turn has neither text nor tool calls", "turn", i)
            )
    seen: Counter[tuple[str, str]] = Counter()
    succeeded: set[tuple[str, str]] = set()
    for rec in calls:
        i = rec.message_index
        name = rec.name
        bad = False
        if rec.arguments is None:
            findings.append(
                Finding("unparseable_arguments", rec.argument_error or "bad arguments", "turn", i)
            )
            bad = True
        spec = tools.get(name)
        if spec is None:
            findings.append(
                Finding("unknown_tool", f"call to {name!r}, which is not among the tools", "turn", i)
            )
            bad = True
        elif rec.arguments is not None:
            validator = schema_validator(spec.function.parameters)
            if validator is not None:
                error = next(iter(validator.iter_errors(rec.arguments)), None)
                if error is not None:
                    where = "/".join(str(p) for p in error.absolute_path) or "<arguments>"
                    findings.append(
                        Finding("invalid_arguments", f"{name}: {where}: {error.message[:200]}", "turn", i)
                    )
                    bad = True
        if not bad and spec is not None and rec.arguments is not None and not config.allow_extra_arguments:
            params = spec.function.parameters
            defined = params.get("properties", {})
            extra = sorted(set(rec.arguments) - set(defined))
            if extra and params.get("additionalProperties") is not True:
                findings.append(
                    Finding("unexpected_argument", f"{name}: undefined argument(s) {extra}", "turn", i)
                )
                bad = True
        error_text = rec.result_error()
        if config.mask_tool_errors and error_text is not None and not bad:
            findings.append(Finding("tool_error", f"{name} was rejected: {error_text[:200]}", "turn", i))
        if rec.arguments is None:
            continue
        key = (name, json.dumps(rec.arguments, sort_keys=True))
        seen[key] += 1
        if key in succeeded:
            findings.append(Finding("repeated_call", f"{name} repeated with identical arguments", "turn", i))
        if error_text is None and rec.result is not None:
            succeeded.add(key)
    for (name, _), count in seen.items():
        if count > config.max_identical_calls:
            findings.append(
                Finding("call_loop", f"{name} called {count} times with identical arguments", "trajectory")
            )
    return findings


def check_pairing(traj: Trajectory) -> list[Finding]:
    """Every tool call answered exactly once, after the call; no result without a call."""
    findings: list[Finding] = []
    open_ids: dict[str, int] = {}
    all_ids: set[str] = set()
    for i, msg in enumerate(traj.messages):
        if msg.role == "assistant" and msg.tool_calls:
            for call in msg.tool_calls:
                if call.id in all_ids:
                    findings.append(
                        Finding("duplicate_call_id", f"tool_call id {call.id!r} reused", "trajectory")
                    )
                all_ids.add(call.id)
                open_ids[call.id] = i
        elif msg.role == "tool":
            cid = msg.tool_call_id or ""
            if cid not in open_ids:
                what = "answered twice" if cid in all_ids else "matches no earlier call"
                findings.append(
                    Finding("unpaired_result", f"tool message {i}: tool_call_id {cid!r} {what}", "trajectory")
                )
            else:
                del open_ids[cid]
    for cid, i in open_ids.items():
        findings.append(
            Finding("unanswered_call", f"tool_call id {cid!r} of message {i} has no result", "trajectory")
        )
    return findings


def check_structure(traj: Trajectory, config: FilterConfig) -> list[Finding]:
    """Completion signal and turn limits."""
    findings: list[Finding] = []
    users = [m for m in traj.messages if m.role == "user"]
    n_assistant = len(traj.labels)
    if config.require_stop and (not users or USER_STOP_TOKEN not in users[-1].content):
        findings.append(
            Finding(
                "no_stop", f"the user never ended with {USER_STOP_TOKEN} (goal not reached)", "trajectory"
            )
        )
    elif users and config.give_up_patterns:
        last = users[-1].content
        for pattern in config.give_up_patterns:
            match = re.search(pattern, last, re.IGNORECASE)
            if match:
                reason = f"the user stopped without reaching the goal ({match.group(0)!r})"
                findings.append(Finding("user_gave_up", reason, "trajectory"))
                break
    if len(users) < config.min_user_turns:
        findings.append(Finding("too_few_user_turns", f"{len(users)} user turn(s)", "trajectory"))
    if n_assistant == 0:
        findings.append(Finding("no_assistant_turn", "no assistant turn", "trajectory"))
    if n_assistant > config.max_assistant_turns:
        findings.append(
            Finding(
                "too_many_turns",
                f"{n_assistant} assistant turns > {config.max_assistant_turns}",
                "trajectory",
            )
        )
    if len(traj.messages) > config.max_messages:
        findings.append(
            Finding(
                "too_many_messages", f"{len(traj.messages)} messages > {config.max_messages}", "trajectory"
            )
        )
    return findings


def check_dates(traj: Trajectory, calls: list[CallRecord]) -> list[Finding]:
    """Absolute dates the assistant used for a relative request that nothing in its context grounds.

    A date is grounded when it appears (in any spelling) in an earlier system, user or tool message, or
    when the context has a clock (a date next to "today"/"now"/"current"), from which it could be computed.
    """
    findings: list[Finding] = []
    args_by_turn: dict[int, list[str]] = {}
    for rec in calls:
        if rec.arguments is not None:
            args_by_turn.setdefault(rec.message_index, []).extend(strings_in(rec.arguments))
    relative: str | None = None
    known: set[str] = set()
    clock = False
    for i, msg in enumerate(traj.messages):
        if msg.role != "assistant":
            dates = absolute_dates(msg.content)
            known |= dates
            if dates and not clock and has_clock(msg.content):
                clock = True
            if msg.role == "user":
                relative = has_relative_expression(msg.content) or relative
            continue
        if relative is None or clock:
            continue
        used: set[str] = set()
        for text in (*args_by_turn.get(i, []), msg.content):
            used |= absolute_dates(text)
        invented = sorted(d for d in used if not _grounded(d, known))
        known |= used  # an invention is flagged once, at its first use
        if invented:
            findings.append(
                Finding(
                    "invented_date",
                    f"absolute date {', '.join(invented)} for the relative request {relative!r}; no such date "
                    "or clock in context",
                    "turn",
                    i,
                )
            )
    return findings


def _grounded(date: str, known: set[str]) -> bool:
    if date in known:
        return True
    month_day = date[4:]
    return any(k[4:] == month_day and (k.startswith("????") or date.startswith("????")) for k in known)


def run_rules(traj: Trajectory, config: FilterConfig) -> list[Finding]:
    """All rule checks of one trajectory, trajectory- and turn-scoped."""
    calls = index_calls(traj)
    findings = check_structure(traj, config) + check_pairing(traj) + check_calls(traj, calls, config)
    if config.check_dates:
        findings += check_dates(traj, calls)
    if config.check_leakage:
        findings += leaked_details(traj, calls, config.leak_min_chars)
    return findings
