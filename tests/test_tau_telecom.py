"""τ² telecom against the benchmark's own data: loading, oracle replay, a scripted device fix, the CLI path."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from toolmind.eval.tau.agents import ScriptedUser
from toolmind.eval.tau.data import EnvFunctionCall, Task, default_data_dir
from toolmind.eval.tau.domain import Domain, load_domain
from toolmind.eval.tau.grading import replay_agent, replay_gold
from toolmind.eval.tau.orchestrator import EpisodeConfig, run_episode
from toolmind.eval.tau.runner import TauRunConfig, run_tau
from toolmind.eval.tau.telecom import TelecomDomain, TelecomEnvironment
from toolmind.eval.tau.telecom.oracle import oracle_report, replay_task
from toolmind.llm.base import ChatRequest
from toolmind.llm.scripted import ScriptedBackend
from toolmind.schema import Message

DATA = default_data_dir()
pytestmark = pytest.mark.skipif(
    not (DATA / "telecom" / "tasks.json").is_file(),
    reason=f"τ² telecom data not found at {DATA} (set TOOLMIND_TAU2_DATA to a τ² data directory)",
)
AIRPLANE_TASK = "[service_issue]airplane_mode_on[PERSONA:None]"
CONNECTED = EnvFunctionCall(
    env_type="user", func_name="assert_service_status", arguments={"expected_status": "connected"}
)


@pytest.fixture(scope="module")
def telecom() -> Domain:
    return load_domain("telecom", DATA)


def _task(domain: Domain, task_id: str) -> Task:
    return next(t for t in domain.tasks if t.id == task_id)


def test_loads_tasks_tools_and_policy(telecom: Domain) -> None:
    assert isinstance(telecom, TelecomDomain)
    assert len(telecom.tasks) == 2285
    assert len(telecom.split("base")) == 114
    agent = {s.function.name for s in telecom.tool_specs()}
    user = {s.function.name for s in telecom.user_tool_specs()}
    assert len(agent) == 13 and {"get_customer_by_phone", "refuel_data", "transfer_to_human_agents"} <= agent
    assert len(user) == 30 and {"toggle_airplane_mode", "run_speed_test", "make_payment"} <= user
    assert not agent & user
    assert telecom.policy.startswith("<main_policy>\n# Telecom Agent Policy")
    assert "<tech_support_policy>" in telecom.policy


def test_oracle_replay_passes_every_base_task(telecom: Domain) -> None:
    report = oracle_report(telecom, telecom.split("base"))
    assert report["num_tasks"] == 114
    assert report["gold_action_errors"] == []
    assert report["failures"] == [], report["failures"][:3]
    assert report["components"] == {"action": 1.0, "env_assertion": 1.0}


def test_gold_actions_are_needed(telecom: Domain) -> None:
    """Without the gold actions the env assertions fail: the initial state really is broken."""
    broken = 0
    for task in telecom.split("base"):
        env = telecom.env(task)
        crit = task.evaluation_criteria
        assert crit is not None and crit.env_assertions
        if not all(env.run_function(a) == a.assert_value for a in crit.env_assertions):
            broken += 1
    # The 20 transfer tasks assert the phone still has no service, which holds before any action.
    assert broken == 114 - 20


def test_agent_replay_matches_gold_replay_hashes(telecom: Domain) -> None:
    task = next(t for t in telecom.split("base") if any(a.name == "make_payment" for a in t.gold_actions))
    gold, errors = replay_gold(telecom, task)
    assert errors == []
    again = replay_agent(telecom, task, gold.log)
    assert again.db_hash() == gold.db_hash() != telecom.env(task).db_hash()


def _agent_policy(request: ChatRequest) -> Message:
    said = sum(1 for m in request.messages if m.role == "user")
    replies = {
        1: "Sorry to hear that. What does the status bar of your phone show?",
        2: "Airplane mode is on. Please toggle airplane mode off.",
    }
    return Message(role="assistant", content=replies.get(said, "Glad that fixed it."))


def _episode(domain: Domain, task: Task, toggles: bool) -> tuple[dict[str, float | None], TelecomEnvironment]:
    turns: list[str | list[tuple[str, dict[str, object]]]] = [
        "My phone has no service at all.",
        [("check_status_bar", {})],
        "It shows the airplane icon.",
    ]
    if toggles:
        turns += [[("toggle_airplane_mode", {})], "Done, I have signal again."]
    else:
        turns += ["I'd rather not touch my settings."]
    agent = ScriptedBackend(_agent_policy, "telecom-airplane-agent")
    result, env = asyncio.run(
        run_episode(domain, task, 0, agent, ScriptedUser(turns), EpisodeConfig(max_steps=30))
    )
    assert isinstance(env, TelecomEnvironment)
    assert result.termination == "user_stop"
    assert [a.requestor for a in result.actions] == ["user"] * (2 if toggles else 1)
    return result.grade.components, env


def test_scripted_user_fixes_airplane_mode_and_assertion_flips(telecom: Domain) -> None:
    task = _task(telecom, AIRPLANE_TASK)
    env = telecom.env(task)
    assert env.run_function(CONNECTED) is False
    bar = env.call("check_status_bar", {}, "user").content
    assert bar == "Status Bar: ✈️ Airplane Mode | 🔋 80%"
    assert "Cellular Connection: no_service" in env.call("check_network_status", {}, "user").content

    components, env = _episode(telecom, task, toggles=False)
    assert components == {"env_assertion": 0.0}
    components, env = _episode(telecom, task, toggles=True)
    assert components == {"env_assertion": 1.0}
    assert env.log[-1].content == (
        "Airplane Mode is now OFF.\nStatus Bar: 📶⁴ Excellent | 5G | 📱 Data Enabled | 🔋 80%"
    )
    assert env.run_function(CONNECTED) is True


def test_transfer_task_needs_the_transfer(telecom: Domain) -> None:
    task = next(t for t in telecom.split("base") if "ACTION" in t.evaluation_criteria.reward_basis)  # type: ignore[union-attr]
    assert replay_task(telecom, task).reward == 1.0
    env = telecom.env(task)  # no transfer: the assertion (still no service) holds, the ACTION check fails
    from toolmind.eval.tau.grading import grade_episode

    grade = grade_episode(telecom, task, env.log, [], "user_stop", None)
    assert grade.components == {"env_assertion": 1.0, "action": 0.0} and grade.reward == 0.0


def test_cli_path_oracle_report_and_dump(telecom: Domain, tmp_path: Path) -> None:
    ids = [t.id for t in telecom.split("base")[::19]]
    cfg = TauRunConfig(
        domain="telecom",
        data_dir=str(DATA),
        out=str(tmp_path / "out"),
        task_ids=ids,
        dump_db=str(tmp_path / "dbs"),
    )
    report = asyncio.run(run_tau(cfg, domain=telecom))
    assert report["pass^k"] == {"1": 1.0} and report["gold_action_errors"] == []
    assert set(report["components"]) <= {"env_assertion", "action"}
    dumped = json.loads((tmp_path / "dbs" / f"{ids[0]}-0.json").read_text(encoding="utf-8"))
    assert set(dumped) == {"db", "user_db"}
    assert dumped["user_db"]["user"]["surroundings"]["phone_number"] == "555-123-2002"
    again = asyncio.run(run_tau(cfg, domain=telecom))  # resumed: nothing re-run
    assert again["num_episodes"] == len(ids)
    lines = (tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(ids)


def _stub_user(request: dict[str, Any]) -> dict[str, Any]:
    """A user simulator behind the OpenAI API: complains, turns airplane mode off when asked, then stops."""
    msgs = request["messages"]
    assert "<scenario>" in msgs[0]["content"]
    assert {t["function"]["name"] for t in request["tools"]} >= {"toggle_airplane_mode", "check_status_bar"}
    last = msgs[-1]
    text = last.get("content") or ""
    if last["role"] == "tool":
        return {"role": "assistant", "content": f"Done, my phone says: {text.splitlines()[0]}"}
    asked = {"status bar": "check_status_bar", "toggle airplane mode off": "toggle_airplane_mode"}
    for phrase, name in asked.items():
        if phrase in text:
            call = {"id": f"u_{name}", "type": "function", "function": {"name": name, "arguments": "{}"}}
            return {"role": "assistant", "content": None, "tool_calls": [call]}
    said = sum(m["role"] == "assistant" for m in msgs)
    return {"role": "assistant", "content": "###STOP###" if said else "My phone has no service."}


def test_user_simulator_tool_calls_over_litellm(telecom: Domain, tmp_path: Path) -> None:
    from toolmind.llm.config import BackendConfig
    from toolmind.llm.litellm_backend import LiteLLMBackend
    from toolmind.llm.stub_server import StubServer

    task = _task(telecom, AIRPLANE_TASK)
    agent = ScriptedBackend(_agent_policy, "telecom-airplane-agent")
    with StubServer(responder=_stub_user) as server:
        user = LiteLLMBackend(
            BackendConfig(kind="litellm", model="openai/stub-user", api_base=server.base_url, max_retries=0)
        )
        result, _ = asyncio.run(run_episode(telecom, task, 0, agent, user, EpisodeConfig(max_steps=30)))
        assert server.stats.requests == 6  # complain, 2 x (tool call, report), stop
    assert result.termination == "user_stop" and result.user_model == user.name
    assert [(a.requestor, a.name, a.error) for a in result.actions] == [
        ("user", "check_status_bar", False),
        ("user", "toggle_airplane_mode", False),
    ]
    said = [m.content for m in result.messages if m.role == "user"]
    assert said[1:3] == [
        "Done, my phone says: Status Bar: ✈️ Airplane Mode | 🔋 80%",
        "Done, my phone says: Airplane Mode is now OFF.",
    ]
    assert result.grade.components == {"env_assertion": 1.0} and result.reward == 1.0
