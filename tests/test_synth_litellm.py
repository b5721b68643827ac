"""The real litellm path: every agent talks over HTTP to an OpenAI-compatible stub on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from toolmind.llm.config import BackendConfig
from toolmind.llm.stub_server import StubServer
from toolmind.schema import USER_STOP_TOKEN, Trajectory, read_jsonl
from toolmind.synth.config import ROLES, AgentConfig, SynthConfig
from toolmind.synth.runner import synthesize

_PLACEHOLDER: dict[str, Any] = {
    "string": "JFK",
    "integer": 2,
    "number": 1.5,
    "boolean": True,
    "array": [],
    "object": {},
}


def role_responder(request: dict[str, Any]) -> dict[str, Any]:
    """Plays whichever agent the prompt is for, like a (very small) model would."""
    messages = request["messages"]
    system = messages[0]["content"] if messages[0]["role"] == "system" else ""
    if messages[0]["content"].startswith("You write realistic goals"):
        body = {
            "goal": "You want flights from JFK to LHR.",
            "hidden_details": [
                {"tool": "search_flights", "arguments": {"origin": "JFK", "destination": "LHR"}}
            ],
        }
        return {"content": "```json\n" + json.dumps(body) + "\n```"}
    if system.startswith("You are playing a user"):
        mine = sum(1 for m in messages if m["role"] == "assistant")
        return {
            "content": "Find me flights from JFK to LHR on 2025-06-14."
            if mine == 0
            else f"Great, thanks! {USER_STOP_TOKEN}"
        }
    if system.startswith("You simulate the API"):
        return {"content": '{"flights": [{"flight_id": "FO-1", "price": 420.0}], "currency": "EUR"}'}
    if messages[-1]["role"] == "tool":
        return {
            "content": "The cheapest flight FO-1 costs 420 EUR.",
            "reasoning_content": "Report the result.",
        }
    tool = request["tools"][0]["function"]
    props = tool["parameters"].get("properties", {})
    args = {
        k: props[k].get("enum", [_PLACEHOLDER.get(props[k].get("type", "string"), "x")])[0]
        for k in tool["parameters"].get("required", [])
    }
    return {
        "content": None,
        "tool_calls": [
            {
                "id": "call_a",
                "type": "function",
                "function": {"name": tool["name"], "arguments": json.dumps(args)},
            }
        ],
    }


def test_whole_trajectory_over_http_with_litellm(tmp_path: Path) -> None:
    chains = tmp_path / "chains.jsonl"
    chains.write_text(json.dumps({"id": "c1", "tools": ["search_flights"]}) + "\n", encoding="utf-8")
    with StubServer(delay_s=0.01, responder=role_responder) as server:
        llm = BackendConfig(
            kind="litellm", model="openai/stub", api_base=server.base_url, max_retries=1, timeout_s=30
        )
        cfg = SynthConfig(chains=str(chains), agents={r: AgentConfig(llm=llm) for r in ROLES})
        cfg.situations.distractor_share = 0.0
        result = asyncio.run(synthesize(cfg, tmp_path / "out"))
        bodies = [r.body for r in server.recorded]
    assert result.written == 1, result.summary
    t = read_jsonl(tmp_path / "out" / "trajectories.jsonl", Trajectory, strict=True).records[0]
    roles = [m.role for m in t.messages]
    assert roles == ["user", "assistant", "tool", "assistant", "user"]
    call = t.messages[1].tool_calls[0]  # type: ignore[index]
    assert call.function.name == "search_flights"
    assert json.loads(t.messages[2].content)["currency"] == "EUR"  # simulated: the call was valid
    assert t.messages[3].reasoning_content == "Report the result."
    assert t.messages[-1].content.endswith(USER_STOP_TOKEN)
    assert t.meta["backend"] == {r: "litellm:openai/stub" for r in ROLES}
    assert t.meta["goal"] == "You want flights from JFK to LHR."
    assert t.meta["usage"]["llm_calls"] == 6 and t.meta["usage"]["prompt_tokens"] > 0
    assert t.meta["injected_errors"] == [] and t.meta["situations"] == []
    assert len(bodies) == 6
    assistant_requests = [b for b in bodies if b.get("tools")]
    assert assistant_requests and assistant_requests[0]["tools"][0]["function"]["name"] == "search_flights"
    assert "returns" not in assistant_requests[0]["tools"][0]


def test_invalid_call_gets_a_json_error_without_a_model_call(tmp_path: Path) -> None:
    def bad_args(request: dict[str, Any]) -> dict[str, Any]:
        reply = role_responder(request)
        if reply.get("tool_calls"):
            reply["tool_calls"][0]["function"]["arguments"] = json.dumps({"origin": 7})
        return reply

    chains = tmp_path / "chains.jsonl"
    chains.write_text(json.dumps({"id": "c1", "tools": ["search_flights"]}) + "\n", encoding="utf-8")
    with StubServer(responder=bad_args) as server:
        llm = BackendConfig(kind="litellm", model="openai/stub", api_base=server.base_url, max_retries=0)
        cfg = SynthConfig(chains=str(chains), agents={r: AgentConfig(llm=llm) for r in ROLES})
        cfg.situations.distractor_share = 0.0
        asyncio.run(synthesize(cfg, tmp_path / "out"))
        tool_prompts = [
            r for r in server.recorded if r.body["messages"][0]["content"].startswith("You simulate")
        ]
    t = read_jsonl(tmp_path / "out" / "trajectories.jsonl", Trajectory, strict=True).records[0]
    error = json.loads(t.messages[2].content)["error"]
    assert error["type"] == "missing_argument" and "destination" in error["message"]
    assert tool_prompts == []  # validation answered; the simulator model was never asked


def test_server_failure_is_recorded_as_llm_error(tmp_path: Path) -> None:
    chains = tmp_path / "chains.jsonl"
    chains.write_text(json.dumps({"id": "c1", "tools": ["search_flights"]}) + "\n", encoding="utf-8")
    with StubServer(fail_always=500) as server:
        llm = BackendConfig(
            kind="litellm", model="openai/stub", api_base=server.base_url, max_retries=1, backoff_base_s=0.01
        )
        cfg = SynthConfig(chains=str(chains), agents={r: AgentConfig(llm=llm) for r in ROLES})
        result = asyncio.run(synthesize(cfg, tmp_path / "out"))
    assert result.written == 0 and result.summary["failures"] == {"llm_error": 1}
    failed = json.loads((tmp_path / "out" / "failed.jsonl").read_text(encoding="utf-8"))
    assert failed["reason"] == "llm_error" and "500" in failed["error"]
