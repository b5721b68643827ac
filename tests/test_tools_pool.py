"""The embedded default pool and the completion of incomplete tools."""

from __future__ import annotations

import glob
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from toolmind.llm.base import ChatRequest, Completion
from toolmind.schema import FunctionSpec, Message, ToolSpec
from toolmind.tools.complete import complete_tools, needs_completion
from toolmind.tools.pool import default_pool_domains, load_default_pool
from toolmind.tools.pool_build import build_pool

BFCL_DATA = Path(__file__).resolve().parents[1] / ".venv/lib/python3.11/site-packages/bfcl_eval/data"


def _leaf_types(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type", "")
    if kind == "array":
        return ["array", *_leaf_types(schema.get("items", {}))]
    if kind == "object":
        return ["object"] + [t for p in schema.get("properties", {}).values() for t in _leaf_types(p)]
    return ["enum" if "enum" in schema else kind]


def test_default_pool_size_domains_and_completeness() -> None:
    pool = load_default_pool()
    assert len(pool) >= 300
    domains = default_pool_domains()
    assert set(domains) == {t.name for t in pool}
    assert len(set(domains.values())) >= 20
    assert min(Counter(domains.values()).values()) >= 7
    input_types: Counter[str] = Counter()
    for tool in pool:
        assert tool.function.description.endswith(".")
        assert tool.returns and tool.returns["properties"], tool.name
        props = tool.function.parameters["properties"]
        assert props, tool.name
        for name, schema in props.items():
            assert schema.get("type") and schema.get("description"), (tool.name, name)
            input_types.update(_leaf_types(schema))
        assert not needs_completion(tool)
    for kind in ("string", "integer", "number", "boolean", "enum", "array", "object"):
        assert input_types[kind] > 0, kind


def test_shipped_pool_matches_its_specification() -> None:
    assert build_pool() == load_default_pool(), "run `python -m toolmind.tools.pool_build`"


def test_default_pool_is_not_copied_from_bfcl() -> None:
    files = glob.glob(str(BFCL_DATA / "BFCL_v4_*.json"))
    if not files:
        pytest.skip("bfcl-eval data not installed")
    bfcl: dict[str, list[dict[str, Any]]] = {}
    for f in files:
        for line in Path(f).read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:  # a few files are pretty-printed, not JSONL
                continue
            for fn in record.get("function") or []:
                bfcl.setdefault(str(fn.get("name", "")).split(".")[-1], []).append(fn)
    for tool in load_default_pool():
        for fn in bfcl.get(tool.name, []):
            same_params = set(fn.get("parameters", {}).get("properties", {})) == set(
                tool.function.parameters["properties"]
            )
            assert not same_params and fn.get("description") != tool.function.description, tool.name


def test_default_pool_returns_fresh_copies() -> None:
    a = load_default_pool()
    a[0].function.description = "changed"
    assert load_default_pool()[0].function.description != "changed"


INCOMPLETE = ToolSpec(
    function=FunctionSpec(
        name="create_booking",
        parameters={
            "type": "object",
            "properties": {
                "hotel_id": {},
                "num_guests": {},
                "include_breakfast": {},
                "max_price": {"type": "number"},
            },
            "required": ["hotel_id"],
        },
    )
)


def test_rule_completion_is_deterministic() -> None:
    (done,), report = complete_tools([INCOMPLETE], backend=None)
    props = done.function.parameters["properties"]
    assert props["hotel_id"] == {"type": "string", "description": "Identifier of the hotel."}
    assert props["num_guests"]["type"] == "integer"
    assert props["include_breakfast"]["type"] == "boolean"
    assert props["max_price"]["description"] == "The max price."
    assert done.returns and "booking_id" in done.returns["properties"]
    assert report.filled_by_rules == 1 and not needs_completion(done)
    assert complete_tools([INCOMPLETE])[0] == [done]


class _Backend:
    """A real LLMBackend implementation answering from a fixed text (the protocol, not a mock)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.requests: list[ChatRequest] = []

    @property
    def name(self) -> str:
        return "fixed:test"

    async def complete(self, request: ChatRequest) -> Completion:
        self.requests.append(request)
        return Completion(message=Message(role="assistant", content=self.text), backend="fixed")


def test_llm_completion_merges_answer_and_falls_back() -> None:
    answer = {
        "parameters": {"hotel_id": {"type": "string", "description": "Hotel to book."}},
        "returns": {"type": "object", "properties": {"confirmation": {"type": "string"}}},
    }
    backend = _Backend("Sure:\n" + json.dumps(answer))
    (done,), report = complete_tools([INCOMPLETE], backend=backend)
    assert "create_booking" in backend.requests[0].messages[0].content
    assert done.function.parameters["properties"]["hotel_id"]["description"] == "Hotel to book."
    assert done.function.parameters["properties"]["num_guests"]["type"] == "integer"  # rules fill the rest
    assert done.returns == answer["returns"]
    assert report.filled_by_llm == 1
    (fallback,), bad = complete_tools([INCOMPLETE], backend=_Backend("no json here"))
    assert bad.llm_failures == 1 and not needs_completion(fallback)
