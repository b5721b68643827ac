"""The telecom domain object: policy, tasks, both databases, and the environment that keeps the phone in
step with the account.

`TelecomEnvironment` extends the harness's `Environment` with upstream's `sync_tools`: after every
successful tool call (agent or user side), after every set-up or assertion function, and once when the
episode starts, the phone learns from the account whether its line is active, whether roaming is allowed
and whether the data allowance (plan limit + refuelled data) is used up; a payment the user made marks the
bill paid; and a bill awaiting payment shows up on the phone as a payment request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from toolmind.eval.tau.data import EnvFunctionCall, Task, load_tasks, read_text
from toolmind.eval.tau.domain import Domain, Environment, Requestor
from toolmind.eval.tau.telecom import accounts as acc
from toolmind.eval.tau.telecom.records import load_agent_db, load_user_db
from toolmind.eval.tau.telecom.tools import TelecomTools
from toolmind.eval.tau.telecom.user_tools import TelecomUserTools
from toolmind.eval.tau.toolkit import ToolResult

NAME = "telecom"


def sync(env: Environment) -> None:
    """Propagate account state to the phone and payments back to the account (upstream `sync_tools`)."""
    user_tools = env.user_tools
    assert isinstance(user_tools, TelecomUserTools)
    s, db = user_tools.phone.surroundings, env.db
    number = s["phone_number"]
    if number is None:
        return
    line = acc.line_by_phone(db, number)
    s["line_active"] = line["status"] == "Active"
    s["roaming_allowed"] = bool(line["roaming_enabled"])
    limit = acc.plan(db, line["plan_id"])["data_limit_gb"]
    s["mobile_data_usage_exceeded"] = line["data_used_gb"] >= limit + line["data_refueling_gb"]
    request = s["payment_request"]
    if request is not None and request["paid"]:
        acc.set_bill_paid(db, request["bill_id"])
        s["payment_request"] = None
    if s["payment_request"] is None:
        waiting = acc.bills_awaiting_payment(db, acc.customer_by_phone(db, number))
        if waiting:
            s["payment_request"] = {
                "bill_id": waiting[0]["bill_id"],
                "amount_due": waiting[0]["total_due"],
                "paid": False,
            }


class TelecomEnvironment(Environment):
    """An episode of the telecom domain: the harness environment plus phone/account synchronisation."""

    def __init__(self, domain: Domain) -> None:
        super().__init__(domain)
        sync(self)

    def call(self, name: str, arguments: dict[str, Any], requestor: Requestor = "assistant") -> ToolResult:
        result = super().call(name, arguments, requestor)
        if not result.error:
            sync(self)
        return result

    def run_function(self, call: EnvFunctionCall) -> Any:
        value = super().run_function(call)
        sync(self)
        return value


class TelecomDomain(Domain):
    """The telecom `Domain`: episodes are `TelecomEnvironment`s."""

    def env(self, task: Task | None = None) -> Environment:
        env = TelecomEnvironment(self)
        if task is not None:
            env.initialize(task)
        return env


def telecom_policy(root: Path) -> str:
    """The agent's policy as upstream assembles it: main policy + the tech-support manual."""
    main = read_text(root / "main_policy.md")
    manual = read_text(root / "tech_support_manual.md")
    return f"<main_policy>\n{main}\n</main_policy>\n<tech_support_policy>\n{manual}\n</tech_support_policy>"


def load_telecom(root: str | Path) -> TelecomDomain:
    """Read the telecom domain from `<data_dir>/telecom` (db.toml, user_db.toml, policies, tasks)."""
    root = Path(root)
    user_db = root / "user_db.toml"
    return TelecomDomain(
        name=NAME,
        policy=telecom_policy(root),
        tasks=load_tasks(root / "tasks.json"),
        split_path=root / "split_tasks.json",
        base_db=load_agent_db(root / "db.toml"),
        make_tools=TelecomTools,
        base_user_db=load_user_db(user_db if user_db.is_file() else None),
        make_user_tools=TelecomUserTools,
    )
