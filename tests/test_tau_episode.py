"""Full τ² episodes: scripted user with a tiny local Qwen3, the litellm path against a stub server on
127.0.0.1, malformed agent output, resume, and the CLI."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from toolmind.eval.tau.agents import ScriptedUser
from toolmind.eval.tau.data import Task, default_data_dir
from toolmind.eval.tau.domain import Domain, load_domain
from toolmind.eval.tau.orchestrator import EpisodeConfig, run_episode
from toolmind.eval.tau.runner import TauRunConfig, run_tau
from toolmind.llm.base import ChatRequest
from toolmind.llm.scripted import ScriptedBackend
from toolmind.schema import Message, ToolCall

DATA = default_data_dir()
pytestmark = pytest.mark.skipif(
    not (DATA / "retail" / "tasks.json").is_file(),
    reason=f"τ² data not found at {DATA} (set TOOLMIND_TAU2_DATA to a τ² data directory)",
)


@pytest.fixture(scope="module")
def retail() -> Domain:
    return load_domain("retail", DATA)


def _task(domain: Domain, task_id: str) -> Task:
    return next(t for t in domain.tasks if t.id == task_id)


def test_episode_with_tiny_local_qwen3(retail: Domain, tiny_qwen3_dir: Path) -> None:
    from toolmind.llm.config import BackendConfig
    from toolmind.llm.factory import make_backend

    agent = make_backend(BackendConfig(kind="transformers", model=str(tiny_qwen3_dir), max_tokens=12))
    user = ScriptedUser(["Hi, I want to exchange an item of order #W2378156.", "My zip is 19122."])
    cfg = EpisodeConfig(max_steps=6, enable_thinking=False)
    result, _ = asyncio.run(run_episode(retail, _task(retail, "0"), 0, agent, user, cfg))
    assert result.agent_model == agent.name and result.user_model == "scripted:scripted-user"
    assert result.termination in {"user_stop", "max_steps", "agent_parse_error", "too_many_errors"}
    assert result.reward == 0.0  # a random model does not solve the task
    assert result.grade.components["db"] == 0.0
    assert result.messages[0].role == "system" and "<policy>" in result.messages[0].content
    assert any(m.role == "assistant" for m in result.messages[2:])
    assert result.steps >= 2 and result.usage["agent"]["completion_tokens"] > 0
    json.loads(result.model_dump_json())  # every field serialises


def _stub_agent(request: dict[str, Any]) -> dict[str, Any]:
    """Agent requests (with tools): look up the order, then report it. User-simulator requests (no tools):
    ask about the order, then stop."""
    last = request["messages"][-1]
    if not request.get("tools"):
        assert "<scenario>" in request["messages"][0]["content"], "user simulator prompt from the .jinja file"
        said = sum(m["role"] == "assistant" for m in request["messages"])
        return {
            "role": "assistant",
            "content": "###STOP###" if said else "What is the status of order #W2378156?",
        }
    if last["role"] == "tool":
        return {"role": "assistant", "content": "Your order #W2378156 is delivered."}
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_order_details", "arguments": json.dumps({"order_id": "#W2378156"})},
    }
    return {"role": "assistant", "content": None, "tool_calls": [call]}


def test_episode_through_litellm_against_stub_server(retail: Domain, tmp_path: Path) -> None:
    from toolmind.llm.config import BackendConfig
    from toolmind.llm.litellm_backend import LiteLLMBackend
    from toolmind.llm.stub_server import StubServer

    with StubServer(responder=_stub_agent) as server:
        agent = LiteLLMBackend(
            BackendConfig(kind="litellm", model="openai/stub", api_base=server.base_url, max_retries=0)
        )
        user = ScriptedUser(["What is the status of order #W2378156?"])
        cfg = TauRunConfig(domain="retail", data_dir=str(DATA), out=str(tmp_path), task_ids=["0"], trials=2)
        report = asyncio.run(
            run_tau(cfg, participants=lambda task: (agent, ScriptedUser(user.turns)), domain=retail)
        )
        assert server.stats.requests == 4  # 2 trials x (tool call + answer)
        sent = server.recorded[0].body
        assert {t["function"]["name"] for t in sent["tools"]} >= {
            "get_order_details",
            "exchange_delivered_order_items",
        }
        assert sent["messages"][0]["role"] == "system"
    lines = (tmp_path / "results.jsonl").read_text().splitlines()
    assert len(lines) == 2
    ep = json.loads(lines[0])
    assert ep["agent_model"] == agent.name and ep["termination"] == "user_stop"
    assert ep["actions"][0]["name"] == "get_order_details" and not ep["actions"][0]["error"]
    assert ep["grade"]["components"]["db"] == 0.0  # the exchange was never made
    assert report["pass^k"] == {"1": 0.0, "2": 0.0} and report["termination"] == {"user_stop": 2}


def test_cli_with_litellm_agent_and_user_simulator(tmp_path: Path) -> None:
    from toolmind.cli import main
    from toolmind.llm.stub_server import StubServer

    with StubServer(responder=_stub_agent) as server:
        rc = main(["eval", "tau", "--domain", "retail", "--data-dir", str(DATA), "--tasks", "0", "--trials", "2",
                   "--agent-model", "openai/stub", "--agent-api-base", server.base_url,
                   "--user-model", "openai/stub-user", "--user-api-base", server.base_url, "--out", str(tmp_path)])  # fmt: skip
        assert rc == 0
        assert (
            server.stats.requests == 2 * 4
        )  # per trial: user, agent (tool call), agent (answer), user (stop)
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["user_model"].endswith("stub-user") and report["agent_model"].endswith("stub")
    assert report["termination"] == {"user_stop": 2} and report["pass^k"] == {"1": 0.0, "2": 0.0}
    assert report["cost"]["agent"]["prompt_tokens"] > 0 and report["cost"]["user"]["prompt_tokens"] > 0


def _malformed(request: ChatRequest) -> Message:
    return Message(role="assistant", content="<tool_call>{bad json", parse_error="tool call 1: invalid JSON")


def test_malformed_agent_output_is_a_counted_failure(retail: Domain, tmp_path: Path) -> None:
    agent = ScriptedBackend(_malformed, "malformed")
    cfg = TauRunConfig(domain="retail", data_dir=str(DATA), out=str(tmp_path), task_ids=["0", "1"])
    report = asyncio.run(run_tau(cfg, participants=lambda t: (agent, ScriptedUser(["hello"])), domain=retail))
    assert report["num_episodes"] == 2 and report["termination"] == {"agent_parse_error": 2}
    assert report["pass^k"]["1"] == 0.0


def _read_only_task_agent(request: ChatRequest) -> Message:
    """Solves nothing but is well-formed; a read-only task (no gold writes) then has DB reward 1."""
    if request.messages[-1].role == "tool":
        return Message(role="assistant", content="Done.")
    return Message(role="assistant", tool_calls=[ToolCall.make("c1", "list_all_product_types", {})])


def test_resume_runs_only_missing_episodes_and_refuses_other_runs(retail: Domain, tmp_path: Path) -> None:
    calls = {"n": 0}

    def counting(request: ChatRequest) -> Message:
        calls["n"] += 1
        return _read_only_task_agent(request)

    agent = ScriptedBackend(counting, "counting")

    def make(task: Task) -> tuple[Any, Any]:
        return agent, ScriptedUser(["hi"])

    cfg = TauRunConfig(domain="retail", data_dir=str(DATA), out=str(tmp_path), num_tasks=2, trials=2)
    asyncio.run(run_tau(cfg, participants=make, domain=retail))
    path = tmp_path / "results.jsonl"
    lines = path.read_text().splitlines()
    assert len(lines) == 4 and calls["n"] == 8
    # A killed run: one complete line lost and a torn one left behind.
    path.write_text("\n".join(lines[:3]) + "\n" + lines[3][:40])
    report = asyncio.run(run_tau(cfg, participants=make, domain=retail))
    assert calls["n"] == 10 and len(path.read_text().splitlines()) == 4
    assert report["num_episodes"] == 4
    other = TauRunConfig(
        domain="retail", data_dir=str(DATA), out=str(tmp_path), agent_model="scripted:echo", user_model="x"
    )
    with pytest.raises(ValueError, match="different run"):
        asyncio.run(run_tau(other, participants=make, domain=retail))


def test_cli_oracle_with_dump_db(tmp_path: Path) -> None:
    from toolmind.cli import main

    out, dump = tmp_path / "out", tmp_path / "dbs"
    rc = main(["eval", "tau", "--domain", "retail", "--data-dir", str(DATA), "--tasks", "0,5",
               "--out", str(out), "--dump-db", str(dump)])  # fmt: skip
    assert rc == 0
    report = json.loads((out / "report.json").read_text())
    assert report["pass^k"] == {"1": 1.0} and report["agent_model"] == "oracle:gold-actions"
    final = json.loads((dump / "0-0.json").read_text())
    initial = json.loads((DATA / "retail" / "db.json").read_text())
    assert set(final) == set(initial)
    assert final["orders"]["#W2378156"]["status"] == "exchange requested"
    assert initial["orders"]["#W2378156"]["status"] == "delivered"
    assert (out / "report.md").exists() and (out / "report.png").exists()
    assert (
        main(
            [
                "eval",
                "tau",
                "--domain",
                "retail",
                "--data-dir",
                str(tmp_path / "nowhere"),
                "--out",
                str(tmp_path / "o2"),
            ]
        )
        == 2
    )


def test_nl_judge_verdicts_enter_the_reward(retail: Domain, tmp_path: Path) -> None:
    task = next(t for t in retail.tasks if t.evaluation_criteria and t.evaluation_criteria.nl_assertions)
    n = len(task.evaluation_criteria.nl_assertions or [])
    seen: list[str] = []

    def judge_policy(verdict: bool) -> Any:
        def policy(request: ChatRequest) -> Message:
            seen.append(request.messages[-1].content)
            results = [
                {"expectedOutcome": "x", "reasoning": "r", "metExpectation": verdict} for _ in range(n)
            ]
            return Message(role="assistant", content="Verdict:\n" + json.dumps({"results": results}))

        return policy

    rewards = {}
    for verdict in (True, False):
        cfg = TauRunConfig(
            domain="retail", data_dir=str(DATA), out=str(tmp_path / str(verdict)), task_ids=[task.id]
        )
        judge = ScriptedBackend(judge_policy(verdict), f"judge-{verdict}")
        report = asyncio.run(run_tau(cfg, judge=judge, domain=retail))
        assert report["judge_model"] == f"scripted:judge-{verdict}" and report["unevaluated_bases"] == {}
        assert report["components"]["nl_assertion"] == float(verdict)
        rewards[verdict] = report["pass^k"]["1"]
    assert rewards == {True: 1.0, False: 0.0}  # the oracle satisfies DB; the judge decides
    assert "<expected_outcomes>" in seen[0] and (task.evaluation_criteria.nl_assertions or [""])[0] in seen[0]


def _hallucinating(request: ChatRequest) -> Message:
    return Message(role="assistant", tool_calls=[ToolCall.make("c", "no_such_tool", {})])


def test_limits_end_episodes_with_their_reason(retail: Domain) -> None:
    agent = ScriptedBackend(_hallucinating, "hallucinating")
    task = _task(retail, "1")
    result, _ = asyncio.run(
        run_episode(retail, task, 0, agent, ScriptedUser(["hi"]), EpisodeConfig(max_errors=3))
    )
    assert result.termination == "too_many_errors" and result.reward == 0.0
    assert [a.content for a in result.actions] == ["Error: Tool 'no_such_tool' not found."] * 3
    result, _ = asyncio.run(
        run_episode(retail, task, 0, agent, ScriptedUser(["hi"]), EpisodeConfig(max_steps=2))
    )
    assert result.termination == "max_steps" and result.steps == 2 and result.reward == 0.0
