"""`--model oracle`: answer every entry from the official possible answers (validates the harness).

Single-turn answers take the first acceptable value of each parameter (``""`` marks an omittable one);
multi-turn answers replay each turn's ground-truth calls as one step; irrelevance entries get a plain
refusal, relevance entries a call to their first function; web-search and memory entries answer in the
official ``{'answer': ..., 'context': ...}`` format. Everything is rendered as Qwen FC text, so the
oracle goes through the same result files, validation and official scorer as a real model.
"""

from __future__ import annotations

import ast
import json
from typing import Any

from toolmind.eval.bfcl.data import AGENTIC_CATEGORIES, MULTI_TURN_CATEGORIES, load_answers, load_questions
from toolmind.eval.bfcl.prompt import render_tool_calls

REFUSAL = "None of the provided functions can answer this request."


def _materialize(value: Any) -> Any:
    """Pick a concrete value from a possible-answer value (nested dicts hold option lists per key)."""
    if isinstance(value, dict):
        return {k: _materialize(v[0]) for k, v in value.items() if isinstance(v, list) and v and v[0] != ""}
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return [_materialize(v) for v in value]
    return value


def _as_source_string(value: Any) -> str:
    """Java/JavaScript parameters are typed as strings holding a literal (``true``, ``42``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value)


def single_turn_call(
    func: str, params: dict[str, list[Any]], category: str, docs: dict[str, Any]
) -> dict[str, Any]:
    """The call `{"name", "arguments"}` an official single-turn answer asks for, its first acceptable values."""
    declared = docs.get(func, {}).get("parameters", {}).get("properties", {})
    args: dict[str, Any] = {}
    for name, values in params.items():
        concrete = [v for v in values if v != ""]
        if concrete and name in declared:  # undeclared or omittable-only parameters are left out
            args[name] = _materialize(concrete[0])
    if category in ("simple_java", "simple_javascript"):
        args = {k: _as_source_string(v) for k, v in args.items()}
    return {"name": func, "arguments": args}


def _literal(node: ast.expr) -> Any:
    return ast.literal_eval(node)


def parse_call_string(call: str, docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Parse a ground-truth call like ``mv(source='a', destination='b')`` without evaluating it.

    Positional arguments are named after the function doc's parameter order.

    Raises:
        ValueError: If the string is not a single call with literal arguments.
    """
    node = ast.parse(call, mode="eval").body
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        raise ValueError(f"not a plain function call: {call!r}")
    name = node.func.id
    order = list(docs.get(name, {}).get("parameters", {}).get("properties", {}))
    args: dict[str, Any] = {}
    for i, arg in enumerate(node.args):
        if i >= len(order):
            raise ValueError(f"{call!r}: more positional arguments than {name} declares")
        args[order[i]] = _literal(arg)
    for kw in node.keywords:
        if kw.arg is None:
            raise ValueError(f"{call!r}: **kwargs are not supported")
        args[kw.arg] = _literal(kw.value)
    return {"name": name, "arguments": args}


def oracle_results(category: str, ids: set[str] | None = None) -> list[dict[str, Any]]:
    """Result-file rows answering a category (or the given ids of it) from the official answers."""
    questions = load_questions(category)
    answers = {a["id"]: a["ground_truth"] for a in load_answers(category)}
    rows: list[dict[str, Any]] = []
    for entry in questions:
        if ids is not None and entry["id"] not in ids:
            continue
        truth = answers.get(entry["id"])
        result: Any
        if category in MULTI_TURN_CATEGORIES:
            docs = {d["name"]: d for d in entry["function"]}
            for held in (entry.get("missed_function") or {}).values():
                docs.update({d["name"]: d for d in held})
            result = [
                [render_tool_calls([parse_call_string(c, docs) for c in turn]) if turn else REFUSAL]
                for turn in truth or []
            ]
        elif category in AGENTIC_CATEGORIES:
            answer = str((truth or [""])[0])
            result = [[repr({"answer": answer, "context": "oracle answer"})]]
        elif category.endswith("irrelevance"):
            result = REFUSAL
        elif truth is None:  # live_relevance: any call to an offered function is correct
            result = render_tool_calls([{"name": entry["function"][0]["name"], "arguments": {}}])
        else:
            docs = {d["name"]: d for d in entry["function"]}
            result = render_tool_calls(
                [single_turn_call(f, p, category, docs) for call in truth for f, p in call.items()]
            )
        rows.append(
            {
                "id": entry["id"],
                "result": result,
                "input_token_count": 0,
                "output_token_count": 0,
                "latency": 0.0,
            }
        )
    return rows
