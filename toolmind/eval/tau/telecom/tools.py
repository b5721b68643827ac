"""τ² telecom, agent side: customer, line, bill and data-usage tools, plus the benchmark's set-up and
assertion functions on the account database.

Written from `main_policy.md`, `tech_support_manual.md` and the data; semantics follow the benchmark
(tau2-bench a2c0247): lookups fail with upstream's messages, `refuel_data` does not check the line status,
`send_payment_request` does not check whether the bill is already paid, and `transfer_to_human_agents`
changes nothing (it ends the episode in the orchestrator).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from toolmind.eval.tau.db import EpisodeDB
from toolmind.eval.tau.telecom import accounts as acc
from toolmind.eval.tau.telecom.records import TODAY
from toolmind.eval.tau.toolkit import ToolError, Toolkit, tool

_ID_TABLES = {"L": "lines", "D": "devices", "B": "bills", "C": "customers", "P": "plans"}


class TelecomTools(Toolkit):
    """All agent tools of the telecom domain, acting on one episode's account database."""

    def __init__(self, db: EpisodeDB) -> None:
        self.db = db
        super().__init__()

    # ---- lookups ----------------------------------------------------------------------------------
    @tool("read")
    def get_customer_by_phone(self, phone_number: str) -> dict[str, Any]:
        """Finds a customer by their primary contact or line phone number.

        Args:
            phone_number: The phone number to search for.
        """
        return acc.view(acc.customer_by_phone(self.db, phone_number))

    @tool("read")
    def get_customer_by_id(self, customer_id: str) -> dict[str, Any]:
        """Retrieves a customer directly by their unique ID.

        Args:
            customer_id: The unique identifier of the customer.
        """
        return acc.view(acc.customer(self.db, customer_id))

    @tool("read")
    def get_customer_by_name(self, full_name: str, dob: str) -> list[dict[str, Any]]:
        """Searches for customers by name and DOB. May return multiple matches if names are similar,
        DOB helps disambiguate.

        Args:
            full_name: The full name of the customer.
            dob: Date of birth for verification, in the format YYYY-MM-DD.
        """
        return [
            acc.view(c)
            for _, c in self.db.items("customers")
            if c["full_name"].lower() == full_name.lower() and c["date_of_birth"] == dob
        ]

    @tool("read")
    def get_details_by_id(self, id: str) -> dict[str, Any]:
        """Retrieves the details for a given ID.
        The ID must be a valid ID for a Customer, Line, Device, Bill, or Plan.

        Args:
            id: The ID of the object to retrieve.
        """
        table = _ID_TABLES.get(id[:1])
        if table is None:
            raise ToolError(f"Unknown ID format or type: {id}")
        getter = {
            "lines": acc.line,
            "devices": acc.device,
            "bills": acc.bill,
            "customers": acc.customer,
            "plans": acc.plan,
        }[table]
        return acc.view(getter(self.db, id))

    @tool("read")
    def get_bills_for_customer(self, customer_id: str, limit: int = 12) -> list[dict[str, Any]]:
        """Retrieves a list of the customer's bills, most recent first.

        Args:
            customer_id: ID of the customer.
            limit: Maximum number of bills to return.
        """
        cust = acc.customer(self.db, customer_id)
        bills = [acc.bill(self.db, bid) for bid in cust["bill_ids"]]
        bills.sort(key=lambda b: b["issue_date"], reverse=True)
        return [acc.view(b) for b in bills[:limit]]

    @tool("read")
    def get_data_usage(self, customer_id: str, line_id: str) -> dict[str, Any]:
        """Retrieves current billing cycle data usage for a line, including data
        refueling amount, data limit, and cycle end date.

        Args:
            customer_id: ID of the customer who owns the line.
            line_id: ID of the line to check usage for.
        """
        cust = acc.customer(self.db, customer_id)
        if line_id not in cust["line_ids"]:
            raise ToolError(f"Line {line_id} not found for customer {customer_id}")
        line = acc.line(self.db, line_id)
        plan = acc.plan(self.db, line["plan_id"])
        next_month = dt.date(TODAY.year + TODAY.month // 12, TODAY.month % 12 + 1, 1)
        # Upstream serialises numbers at the top level of a returned dict with str() (`"8.7"`).
        return {
            "line_id": line_id,
            "data_used_gb": str(line["data_used_gb"]),
            "data_limit_gb": str(plan["data_limit_gb"]),
            "data_refueling_gb": str(line["data_refueling_gb"]),
            "cycle_end_date": (next_month - dt.timedelta(days=1)).isoformat(),
        }

    # ---- line changes -----------------------------------------------------------------------------
    @tool("write")
    def suspend_line(self, customer_id: str, line_id: str, reason: str) -> dict[str, Any]:
        """Suspends a specific line (max 6 months).
        Checks: Line status must be Active.
        Logic: Sets line status to Suspended, records suspension_start_date.

        Args:
            customer_id: ID of the customer who owns the line.
            line_id: ID of the line to suspend.
            reason: Reason for suspension.
        """
        line = acc.target_line(self.db, customer_id, line_id)
        if line["status"] != "Active":
            raise ToolError("Line must be active to suspend")
        line["status"] = "Suspended"
        line["suspension_start_date"] = TODAY.isoformat()
        return {
            "message": "Line suspended successfully. $5/month holding fee will apply.",
            "line": acc.view(line),
        }

    @tool("write")
    def resume_line(self, customer_id: str, line_id: str) -> dict[str, Any]:
        """Resumes a suspended line.
        Checks: Line status must be Suspended or Pending Activation.
        Logic: Sets line status to Active, clears suspension_start_date.

        Args:
            customer_id: ID of the customer who owns the line.
            line_id: ID of the line to resume.
        """
        line = acc.target_line(self.db, customer_id, line_id)
        if line["status"] not in ("Suspended", "Pending Activation"):
            raise ToolError("Line must be suspended to resume")
        line["status"] = "Active"
        line["suspension_start_date"] = None
        return {"message": "Line resumed successfully", "line": acc.view(line)}

    @tool("write")
    def enable_roaming(self, customer_id: str, line_id: str) -> str:
        """Enables international roaming on a line.

        Args:
            customer_id: ID of the customer who owns the line.
            line_id: ID of the line to enable roaming for.
        """
        line = acc.target_line(self.db, customer_id, line_id)
        if line["roaming_enabled"]:
            return "Roaming was already enabled"
        line["roaming_enabled"] = True
        return "Roaming enabled successfully"

    @tool("write")
    def disable_roaming(self, customer_id: str, line_id: str) -> str:
        """Disables international roaming on a line.

        Args:
            customer_id: ID of the customer who owns the line.
            line_id: ID of the line to disable roaming for.
        """
        line = acc.target_line(self.db, customer_id, line_id)
        if not line["roaming_enabled"]:
            return "Roaming was already disabled"
        line["roaming_enabled"] = False
        return "Roaming disabled successfully"

    @tool("write")
    def refuel_data(self, customer_id: str, line_id: str, gb_amount: float) -> dict[str, Any]:
        """Refuels data for a specific line, adding to the customer's bill.
        Checks: Line status must be Active, Customer owns the line.
        Logic: Adds data to the line and charges customer based on the plan's refueling rate.

        Args:
            customer_id: ID of the customer who owns the line.
            line_id: ID of the line to refuel data for.
            gb_amount: Amount of data to add in gigabytes.
        """
        line = acc.target_line(self.db, customer_id, line_id)
        if gb_amount <= 0:
            raise ToolError("Refuel amount must be positive")
        price = acc.plan(self.db, line["plan_id"])["data_refueling_price_per_gb"]
        charge = gb_amount * price
        line["data_refueling_gb"] += gb_amount
        acc.apply_one_time_charge(
            self.db, customer_id, charge, f"Data refueling: {gb_amount} GB at ${price}/GB"
        )
        return {
            "message": f"Successfully added {gb_amount} GB of data for line {line_id} for ${charge:.2f}",
            "new_data_refueling_gb": str(line["data_refueling_gb"]),
            "charge": str(charge),
        }

    # ---- billing ----------------------------------------------------------------------------------
    @tool("write")
    def send_payment_request(self, customer_id: str, bill_id: str) -> str:
        """Sends a payment request to the customer for a specific bill.
        Checks:
            - Customer exists
            - Bill exists and belongs to the customer
            - No other bills are already awaiting payment for this customer
        Logic: Sets bill status to AWAITING_PAYMENT and notifies customer.
        Warning: This method does not check if the bill is already PAID.
        Always check the bill status before calling this method.

        Args:
            customer_id: ID of the customer who owns the bill.
            bill_id: ID of the bill to send payment request for.
        """
        cust = acc.customer(self.db, customer_id)
        if acc.bills_awaiting_payment(self.db, cust):
            raise ToolError("A bill is already awaiting payment for this customer")
        if bill_id not in cust["bill_ids"]:
            raise ToolError(f"Bill {bill_id} not found for customer {customer_id}")
        acc.bill(self.db, bill_id)
        self.db.mut("bills", bill_id)["status"] = "Awaiting Payment"
        return f"Payment request sent to the customer for bill {bill_id}"

    @tool("generic")
    def transfer_to_human_agents(self, summary: str) -> str:
        """Transfer the user to a human agent, with a summary of the user's issue.
        Only transfer if
         -  the user explicitly asks for a human agent
         -  given the policy and the available tools, you cannot solve the user's issue.

        Args:
            summary: A summary of the user's issue.
        """
        return "Transfer successful"

    # ---- benchmark functions (task set-up and assertions; not tools) -------------------------------
    def env_functions(self) -> dict[str, Callable[..., Any]]:
        """Functions the tasks run on the account database: every tool, set-up and assertions."""
        from toolmind.eval.tau.telecom import checks

        funcs: dict[str, Callable[..., Any]] = {name: getattr(self, name) for name in self.names}
        funcs.update(checks.agent_functions(self.db))
        return funcs
