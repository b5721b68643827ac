"""Account-side functions the telecom tasks run outside the conversation: initial-state set-up
(`initialization_actions` with `env_type: assistant`) and end-state assertions (`env_assertions`).

They are not tools: the agent cannot call them. Set-up errors are benchmark data errors and raise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

from toolmind.eval.tau.db import EpisodeDB
from toolmind.eval.tau.telecom import accounts as acc
from toolmind.eval.tau.telecom.records import TODAY


def set_data_usage(db: EpisodeDB, customer_id: str, line_id: str, data_used_gb: float) -> str:
    """Set a line's data used in the current cycle."""
    acc.target_line(db, customer_id, line_id)["data_used_gb"] = data_used_gb
    return f"Data usage set to {data_used_gb} GB for line {line_id}"


def suspend_line_for_overdue_bill(
    db: EpisodeDB, customer_id: str, line_id: str, new_bill_id: str, contract_ended: bool
) -> str:
    """Create last month's unpaid bill (one month of the line's plan) and suspend the line for it."""
    line = acc.line(db, line_id)
    if line["status"] != "Active":
        raise ValueError("Line must be active to suspend for unpaid bill")
    plan = acc.plan(db, line["plan_id"])
    amount = plan["price_per_month"]
    if amount <= 0:
        raise ValueError("Amount must be positive for overdue bill")
    cust = acc.customer(db, customer_id)
    if any(acc.bill(db, bid)["status"] == "Overdue" for bid in cust["bill_ids"]):
        raise ValueError("Customer already has an overdue bill")
    last_day = TODAY.replace(day=1) - dt.timedelta(days=1)
    first_day = last_day.replace(day=1)
    db.put(
        "bills",
        new_bill_id,
        {
            "bill_id": new_bill_id,
            "customer_id": customer_id,
            "period_start": first_day.isoformat(),
            "period_end": last_day.isoformat(),
            "issue_date": first_day.isoformat(),
            "total_due": 0.0 + amount,
            "due_date": (first_day + dt.timedelta(days=14)).isoformat(),
            "line_items": [
                {
                    "description": f"Charge for line {line_id}",
                    "amount": amount,
                    "date": TODAY.isoformat(),
                    "item_type": "Charge",
                }
            ],
            "status": "Overdue",
        },
    )
    db.mut("customers", customer_id)["bill_ids"].append(new_bill_id)
    line = db.mut("lines", line_id)
    line["status"] = "Suspended"
    line["suspension_start_date"] = TODAY.isoformat()
    if contract_ended:
        line["contract_end_date"] = last_day.isoformat()
    return f"Line {line_id} suspended for unpaid bill {new_bill_id}. Contract ended: {contract_ended}"


def assert_data_refueling_amount(
    db: EpisodeDB, customer_id: str, line_id: str, expected_amount: float
) -> bool:
    """The line's refuelled data equals `expected_amount` GB (to 1e-6)."""
    cust = acc.customer(db, customer_id)
    if line_id not in cust["line_ids"]:
        raise ValueError(f"Line {line_id} not found for customer {customer_id}")
    return abs(acc.line(db, line_id)["data_refueling_gb"] - expected_amount) < 1e-6


def assert_line_status(db: EpisodeDB, customer_id: str, line_id: str, expected_status: str) -> bool:
    """The line's status equals `expected_status` (Active, Suspended, Pending Activation, Closed)."""
    cust = acc.customer(db, customer_id)
    if line_id not in cust["line_ids"]:
        raise ValueError(f"Line {line_id} not found for customer {customer_id}")
    return bool(acc.line(db, line_id)["status"] == expected_status)


def assert_overdue_bill_exists(db: EpisodeDB, customer_id: str, overdue_bill_id: str) -> bool:
    """The bill belongs to the customer and is overdue (raises otherwise, as upstream does)."""
    cust = acc.customer(db, customer_id)
    if overdue_bill_id not in cust["bill_ids"]:
        raise ValueError(f"Overdue bill {overdue_bill_id} not found")
    if acc.bill(db, overdue_bill_id)["status"] != "Overdue":
        raise ValueError(f"Overdue bill {overdue_bill_id} is not overdue")
    return True


def assert_no_overdue_bill(db: EpisodeDB, overdue_bill_id: str) -> bool:
    """The bill is gone or paid."""
    rec = db.get("bills", overdue_bill_id)
    return rec is None or rec["status"] == "Paid"


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "set_data_usage": set_data_usage,
    "suspend_line_for_overdue_bill": suspend_line_for_overdue_bill,
    "assert_data_refueling_amount": assert_data_refueling_amount,
    "assert_line_status": assert_line_status,
    "assert_overdue_bill_exists": assert_overdue_bill_exists,
    "assert_no_overdue_bill": assert_no_overdue_bill,
}


def agent_functions(db: EpisodeDB) -> dict[str, Callable[..., Any]]:
    """The account-side set-up and assertion functions, bound to one episode's database."""
    return {name: partial(func, db) for name, func in _FUNCTIONS.items()}
