"""τ² airline/retail domains against the benchmark's own gold data (read from the τ² data directory)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from toolmind.eval.tau.data import DataError, default_data_dir
from toolmind.eval.tau.domain import Domain, load_domain
from toolmind.eval.tau.grading import grade_episode, replay_gold
from toolmind.eval.tau.runner import TauRunConfig, run_tau

DATA = default_data_dir()
pytestmark = pytest.mark.skipif(
    not (DATA / "retail" / "tasks.json").is_file(),
    reason=f"τ² data not found at {DATA} (set TOOLMIND_TAU2_DATA to a τ² data directory)",
)

# Gold actions that fail under the upstream tools (tau2-bench a2c0247, run on this data): 18 actions in
# 15 retail tasks; none in airline. Cross-checked by running upstream's own toolkits on every task.
RETAIL_GOLD_ERRORS = [
    ("2", 1, "get_product_details", "Error: Product not found"),
    ("3", 1, "get_product_details", "Error: Product not found"),
    ("4", 1, "get_product_details", "Error: Product not found"),
    ("35", 0, "find_user_id_by_email", "Error: User not found"),
    ("37", 0, "find_user_id_by_email", "Error: User not found"),
    ("38", 0, "find_user_id_by_email", "Error: User not found"),
    ("39", 0, "find_user_id_by_name_zip", "Error: User not found"),
    ("46", 1, "get_order_details", "Error: Order not found"),
    ("46", 2, "get_order_details", "Error: Order not found"),
    ("47", 1, "get_order_details", "Error: Order not found"),
    ("47", 2, "get_order_details", "Error: Order not found"),
    ("54", 0, "find_user_id_by_email", "Error: User not found"),
    ("55", 0, "find_user_id_by_email", "Error: User not found"),
    ("64", 6, "exchange_delivered_order_items", "Error: Non-delivered order cannot be exchanged"),
    ("67", 0, "find_user_id_by_name_zip", "Error: User not found"),
    ("67", 1, "find_user_id_by_name_zip", "Error: User not found"),
    ("68", 0, "find_user_id_by_name_zip", "Error: User not found"),
    (
        "105",
        0,
        "exchange_delivered_order_items",
        "Error: Insufficient gift card balance to pay for the price difference",
    ),
]


@pytest.fixture(scope="module")
def airline() -> Domain:
    return load_domain("airline", DATA)


@pytest.fixture(scope="module")
def retail() -> Domain:
    return load_domain("retail", DATA)


@pytest.mark.parametrize("name", ["airline", "retail"])
def test_oracle_base_split_db_component_is_one(name: str, tmp_path: Path) -> None:
    cfg = TauRunConfig(domain=name, data_dir=str(DATA), out=str(tmp_path / name), concurrency=8)
    report = asyncio.run(run_tau(cfg))
    n_tasks = 50 if name == "airline" else 114
    assert report["num_episodes"] == n_tasks
    assert report["components"]["db"] == 1.0
    assert all(t["components"]["db"] == 1.0 for t in report["tasks"])
    assert set(report["termination"]) <= {"user_stop", "transfer"}
    got = [(e["task_id"], e["index"], e["name"], e["error"]) for e in report["gold_action_errors"]]
    if name == "airline":
        assert got == []
        # The oracle says every communicate_info string, so COMMUNICATE holds too.
        assert report["pass^k"] == {"1": 1.0}
    else:
        assert sorted(got) == sorted(RETAIL_GOLD_ERRORS)
        assert report["unevaluated_bases"] == {"NL_ASSERTION": 40}
    on_disk = json.loads((tmp_path / name / "report.json").read_text())
    assert on_disk["pass^k"] == report["pass^k"]
    assert (tmp_path / name / "report.png").stat().st_size > 1000
    assert "gold action" in (tmp_path / name / "report.md").read_text().lower() or name == "airline"


@pytest.mark.parametrize("name", ["airline", "retail"])
def test_successful_gold_writes_change_the_db(name: str, request: pytest.FixtureRequest) -> None:
    domain: Domain = request.getfixturevalue(name)
    initial = domain.env().db_hash()
    changed = 0
    for task in domain.tasks:
        gold, errors = replay_gold(domain, task)
        failed = {e.index for e in errors}
        writes = [
            i
            for i, a in enumerate(task.gold_actions)
            if gold.is_write(a.name, "assistant") and i not in failed
        ]
        assert (gold.db_hash() != initial) == bool(writes), task.id
        changed += bool(writes)
    assert changed > 20
    # Episodes never leak into the shared base.
    assert domain.env().db_hash() == initial


def _grade_calls(domain: Domain, task_id: str, calls: list[tuple[str, dict]]) -> float | None:
    task = next(t for t in domain.tasks if t.id == task_id)
    env = domain.env(task)
    for name, args in calls:
        env.call(name, args)
    grade = grade_episode(domain, task, env.log, [], "user_stop", None)
    return grade.components["db"]


def _gold_calls(domain: Domain, task_id: str) -> list[tuple[str, dict]]:
    task = next(t for t in domain.tasks if t.id == task_id)
    return [(a.name, dict(a.arguments)) for a in task.gold_actions]


def _wrong_payment_cases(retail: Domain) -> int:
    """Swap the payment method of gold writes for another valid method of the user: DB reward 0."""
    cases = 0
    for task in retail.tasks:
        calls = _gold_calls(retail, task.id)
        for i, (name, args) in enumerate(calls):
            if "payment_method_id" not in args or not name.startswith(
                ("exchange", "return", "modify_pending_order_items")
            ):
                continue
            order = retail.env().db.get("orders", args["order_id"])
            user = retail.env().db.get("users", order["user_id"])
            for alt in user["payment_methods"]:
                if alt == args["payment_method_id"]:
                    continue
                env = retail.env(task)
                for c in calls[:i]:
                    env.call(*c)
                if env.call(name, {**args, "payment_method_id": alt}).error:
                    continue  # not a valid alternative (e.g. not the original method)
                wrong = [*calls[:i], (name, {**args, "payment_method_id": alt}), *calls[i + 1 :]]
                assert _grade_calls(retail, task.id, wrong) == 0.0, (task.id, alt)
                cases += 1
                break
            if cases >= 5:
                return cases
    return cases


def test_wrong_sequences_get_db_reward_zero(retail: Domain, airline: Domain) -> None:
    # Retail task 0: exchange keyboard + thermostat on #W2378156, paid with credit_card_9513926.
    gold = _gold_calls(retail, "0")
    assert _grade_calls(retail, "0", gold) == 1.0
    exchange = gold[-1]
    wrong_item = (exchange[0], {**exchange[1], "new_item_ids": ["1151293680", "7747408585"]})
    assert _grade_calls(retail, "0", [*gold[:-1], wrong_item]) == 0.0
    assert _wrong_payment_cases(retail) >= 5
    user = retail.env().db.get("users", "yusuf_rossi_9620")
    pending = [o for o in user["orders"] if retail.env().db.get("orders", o)["status"] == "pending"]
    assert pending, "fixture assumption: the user has a pending order"
    extra_cancel = ("cancel_pending_order", {"order_id": pending[0], "reason": "no longer needed"})
    assert _grade_calls(retail, "0", [*gold, extra_cancel]) == 0.0
    # Read-only extras do not matter.
    assert _grade_calls(retail, "0", [*gold, ("get_user_details", {"user_id": "yusuf_rossi_9620"})]) == 1.0
    # Airline: a booking paid with another of the user's methods is wrong.
    task = next(t for t in airline.tasks if any(a.name == "book_reservation" for a in t.gold_actions))
    calls = _gold_calls(airline, task.id)
    i = next(i for i, c in enumerate(calls) if c[0] == "book_reservation")
    args = calls[i][1]
    user = airline.env().db.get("users", args["user_id"])
    used = {p["payment_id"] for p in args["payment_methods"]}
    other = next(
        pid for pid, m in user["payment_methods"].items() if pid not in used and m["source"] == "credit_card"
    )
    total = sum(p["amount"] for p in args["payment_methods"])
    bad = [
        *calls[:i],
        (calls[i][0], {**args, "payment_methods": [{"payment_id": other, "amount": total}]}),
        *calls[i + 1 :],
    ]
    assert _grade_calls(airline, task.id, calls) == 1.0
    assert _grade_calls(airline, task.id, bad) == 0.0


def test_tool_semantics_spot_checks(retail: Domain, airline: Domain) -> None:
    env = retail.env()
    assert env.call("get_product_details", {"product_id": "1151293680"}).content == "Error: Product not found"
    assert not env.call("get_item_details", {"item_id": "1151293680"}).error
    bad = env.call("cancel_pending_order", {"order_id": "#W2378156", "reason": "no longer needed"})
    assert bad.error and bad.content == "Error: Non-pending order cannot be cancelled"
    typed = env.call("get_order_details", {"order_id": 2378156})
    assert typed.error and "order_id" in typed.content
    assert env.call("nope", {}).content == "Error: Tool 'nope' not found."
    assert env.call("calculate", {"expression": "2 * (3 + 4) / 3"}).content == "4.67"
    assert env.call("calculate", {"expression": "__import__('os')"}).error
    aenv = airline.env()
    assert (
        aenv.call("get_flight_status", {"flight_number": "HAT001", "date": "2024-05-03"}).content
        == "cancelled"
    )
    assert aenv.call("list_all_airports", {}).content.startswith('[{"iata": "SFO"')


def test_missing_and_malformed_data_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="retail"):
        load_domain("retail", tmp_path)
    root = tmp_path / "retail"
    root.mkdir()
    for name in ("db.json", "policy.md", "split_tasks.json"):
        (root / name).write_bytes((DATA / "retail" / name).read_bytes())
    (root / "tasks.json").write_text(
        '[{"id": "x", "user_scenario": {}, "evaluation_criteria": {"reward_basis": ["BOGUS"]}}]'
    )
    with pytest.raises(
        DataError, match=r"tasks\.json: task #0 \(id 'x'\): field 'evaluation_criteria\.reward_basis\.0'"
    ):
        load_domain("retail", tmp_path)
    (root / "tasks.json").write_text("[")
    with pytest.raises(DataError, match=r"tasks\.json: invalid JSON"):
        load_domain("retail", tmp_path)
