"""Account-side lookups and bookkeeping shared by the agent toolkit and the device synchronisation.

Functions over one episode's agent database (`EpisodeDB` with tables `plans`, `customers`, `lines`,
`bills`, `devices`). Failed lookups raise `ToolError` with upstream's messages, so the agent sees
`Error: <message>` exactly where the benchmark's tools raise.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from toolmind.eval.tau.db import EpisodeDB
from toolmind.eval.tau.telecom.records import DATETIME_FIELDS, TODAY
from toolmind.eval.tau.toolkit import ToolError

Record = dict[str, Any]


def view(record: Record) -> Record:
    """A record as upstream's tools return it: datetimes spelled `YYYY-MM-DD HH:MM:SS`, nested copies."""
    out: Record = {}
    for key, value in record.items():
        if key in DATETIME_FIELDS and isinstance(value, str):
            value = value.replace("T", " ")
        elif isinstance(value, dict):
            value = view(value)
        elif isinstance(value, list):
            value = [view(v) if isinstance(v, dict) else v for v in value]
        out[key] = value
    return out


def customer(db: EpisodeDB, customer_id: str) -> Record:
    rec = db.get("customers", customer_id)
    if rec is None:
        raise ToolError(f"Customer with ID {customer_id} not found")
    return rec


def line(db: EpisodeDB, line_id: str) -> Record:
    rec = db.get("lines", line_id)
    if rec is None:
        raise ToolError(f"Line with ID {line_id} not found")
    return rec


def line_by_phone(db: EpisodeDB, phone_number: str) -> Record:
    for _, rec in db.items("lines"):
        if rec["phone_number"] == phone_number:
            return rec
    raise ToolError(f"Line with phone number {phone_number} not found")


def plan(db: EpisodeDB, plan_id: str) -> Record:
    rec = db.get("plans", plan_id)
    if rec is None:
        raise ToolError(f"Plan with ID {plan_id} not found")
    return rec


def device(db: EpisodeDB, device_id: str) -> Record:
    rec = db.get("devices", device_id)
    if rec is None:
        raise ToolError(f"Device with ID {device_id} not found")
    return rec


def bill(db: EpisodeDB, bill_id: str) -> Record:
    rec = db.get("bills", bill_id)
    if rec is None:
        raise ToolError(f"Bill with ID {bill_id} not found")
    return rec


def customer_by_phone(db: EpisodeDB, phone_number: str) -> Record:
    """The first customer whose contact number or one of whose lines has this number."""
    for _, cust in db.items("customers"):
        if cust["phone_number"] == phone_number:
            return cust
        for line_id in cust["line_ids"]:
            if line(db, line_id)["phone_number"] == phone_number:
                return cust
    raise ToolError(f"Customer with phone number {phone_number} not found")


def target_line(db: EpisodeDB, customer_id: str, line_id: str) -> Record:
    """The line, checked to belong to the customer; returned for writing (copy-on-write)."""
    cust = customer(db, customer_id)
    if line_id not in cust["line_ids"]:
        raise ToolError(f"Line {line_id} not found for customer {customer_id}")
    line(db, line_id)
    rec: Record = db.mut("lines", line_id)
    return rec


def bills_awaiting_payment(db: EpisodeDB, cust: Record) -> list[Record]:
    return [b for bid in cust["bill_ids"] if (b := bill(db, bid))["status"] == "Awaiting Payment"]


def set_bill_paid(db: EpisodeDB, bill_id: str) -> None:
    bill(db, bill_id)
    db.mut("bills", bill_id)["status"] = "Paid"


def _first_of_next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def new_draft_bill_id(db: EpisodeDB, customer_id: str) -> str:
    """Id of a new draft bill: upstream draws `B` + 8 random hex digits; here they are derived from the
    customer and the number of bills, so replays of the same calls create the same bill."""
    n = sum(1 for _ in db.keys("bills"))
    while True:
        bill_id = "B" + hashlib.sha256(f"{customer_id}:{n}".encode()).hexdigest()[:8]
        if not db.has("bills", bill_id):
            return bill_id
        n += 1


def apply_one_time_charge(db: EpisodeDB, customer_id: str, amount: float, description: str) -> None:
    """Add a charge (or credit) to the customer's draft bill, creating next month's draft if needed."""
    cust = customer(db, customer_id)
    draft_id = next((bid for bid in cust["bill_ids"] if bill(db, bid)["status"] == "Draft"), None)
    if draft_id is None:
        start = _first_of_next_month(TODAY)
        draft_id = new_draft_bill_id(db, customer_id)
        db.put(
            "bills",
            draft_id,
            {
                "bill_id": draft_id,
                "customer_id": customer_id,
                "period_start": start.isoformat(),
                "period_end": (_first_of_next_month(start) - dt.timedelta(days=1)).isoformat(),
                "issue_date": start.isoformat(),
                "total_due": 0.0,
                "due_date": (start + dt.timedelta(days=14)).isoformat(),
                "line_items": [],
                "status": "Draft",
            },
        )
        db.mut("customers", customer_id)["bill_ids"].append(draft_id)
    draft = db.mut("bills", draft_id)
    draft["line_items"].append(
        {
            "description": description,
            "amount": amount,
            "date": TODAY.isoformat(),
            "item_type": "Credit" if amount < 0 else "Charge",
        }
    )
    draft["total_due"] += amount
