"""τ² retail domain: users, orders and products, written from `policy.md` and the data.

Semantics follow the benchmark (v1.0.1), including its quirks: in `modify_pending_order_items` every
modified item takes the price and options of the *last* new item of the call; `modify_pending_order_address`
and `modify_pending_order_payment` accept any status containing "pending" while the items change needs
exactly "pending". Every refusal is a `ToolError`.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from toolmind.eval.tau.arith import evaluate_expression
from toolmind.eval.tau.db import EpisodeDB
from toolmind.eval.tau.toolkit import ToolError, Toolkit, tool

CANCEL_REASONS = ("no longer needed", "ordered by mistake")


def _count_ok(requested: list[str], available: list[str]) -> str | None:
    """The first requested id asked for more often than it occurs in the order, else None."""
    for item_id in requested:
        if requested.count(item_id) > available.count(item_id):
            return item_id
    return None


class RetailTools(Toolkit):
    """All tools of the retail domain, acting on one episode's database."""

    def __init__(self, db: EpisodeDB) -> None:
        self.db = db
        super().__init__()

    # ---- lookups ----------------------------------------------------------------------------------
    def _order(self, order_id: str) -> dict[str, Any]:
        order = self.db.get("orders", order_id)
        if order is None:
            raise ToolError("Order not found")
        return order

    def _user(self, user_id: str) -> dict[str, Any]:
        user = self.db.get("users", user_id)
        if user is None:
            raise ToolError("User not found")
        return user

    def _product(self, product_id: str) -> dict[str, Any]:
        product = self.db.get("products", product_id)
        if product is None:
            raise ToolError("Product not found")
        return product

    def _variant(self, product_id: str, item_id: str) -> dict[str, Any]:
        product = self._product(product_id)
        if item_id not in product["variants"]:
            raise ToolError("Variant not found")
        return product["variants"][item_id]

    def _payment_method(self, user_id: str, payment_method_id: str) -> dict[str, Any]:
        methods = self._user(user_id)["payment_methods"]
        if payment_method_id not in methods:
            raise ToolError("Payment method not found")
        return methods[payment_method_id]

    def _add_gift_card(self, user_id: str, payment_method_id: str, delta: float) -> None:
        card = self.db.mut("users", user_id)["payment_methods"][payment_method_id]
        card["balance"] = round(card["balance"] + delta, 2)

    @staticmethod
    def _address(
        address1: str, address2: str, city: str, state: str, country: str, zip: str
    ) -> dict[str, str]:
        return {
            "address1": address1,
            "address2": address2,
            "city": city,
            "country": country,
            "state": state,
            "zip": zip,
        }

    # ---- tools ------------------------------------------------------------------------------------
    @tool("generic")
    def calculate(self, expression: str) -> str:
        """Calculate the result of a mathematical expression.

        Args:
            expression: The mathematical expression to calculate, such as '2 + 2'. The expression can contain numbers, operators (+, -, *, /), parentheses, and spaces.
        """
        return evaluate_expression(expression)

    @tool("write")
    def cancel_pending_order(self, order_id: str, reason: str) -> dict[str, Any]:
        """Cancel a pending order. If the order is already processed or delivered, it cannot be cancelled. The agent needs to explain the cancellation detail and ask for explicit user confirmation (yes/no) to proceed. If the user confirms, the order status will be changed to 'cancelled' and the payment will be refunded. The refund will be added to the user's gift card balance immediately if the payment was made using a gift card, otherwise the refund would take 5-7 business days to process. The function returns the order details after the cancellation.

        Args:
            order_id: The order id, such as '#W0000000'. Be careful there is a '#' symbol at the beginning of the order id.
            reason: The reason for cancellation, which should be either 'no longer needed' or 'ordered by mistake'.
        """
        order = self._order(order_id)
        if order["status"] != "pending":
            raise ToolError("Non-pending order cannot be cancelled")
        if reason not in CANCEL_REASONS:
            raise ToolError("Invalid reason")
        refunds = []
        for payment in order["payment_history"]:
            pm_id = payment["payment_method_id"]
            refunds.append(
                {"transaction_type": "refund", "amount": payment["amount"], "payment_method_id": pm_id}
            )
            if self._payment_method(order["user_id"], pm_id)["source"] == "gift_card":
                self._add_gift_card(order["user_id"], pm_id, payment["amount"])
        order_w = self.db.mut("orders", order_id)
        order_w["status"] = "cancelled"
        order_w["cancel_reason"] = reason
        order_w["payment_history"].extend(refunds)
        return copy.deepcopy(order_w)

    @tool("write")
    def exchange_delivered_order_items(
        self, order_id: str, item_ids: list[str], new_item_ids: list[str], payment_method_id: str
    ) -> dict[str, Any]:
        """Exchange items in a delivered order to new items of the same product type. For a delivered order, return or exchange can be only done once by the agent. The agent needs to explain the exchange detail and ask for explicit user confirmation (yes/no) to proceed.

        Args:
            order_id: The order id, such as '#W0000000'. Be careful there is a '#' symbol at the beginning of the order id.
            item_ids: The item ids to be exchanged, each such as '1008292230'. There could be duplicate items in the list.
            new_item_ids: The item ids to be exchanged for, each such as '1008292230'. There could be duplicate items in the list. Each new item id should match the item id in the same position and be of the same product.
            payment_method_id: The payment method id to pay or receive refund for the item price difference, such as 'gift_card_0000000' or 'credit_card_0000000'. These can be looked up from the user or order details.
        """
        order = self._order(order_id)
        if order["status"] != "delivered":
            raise ToolError("Non-delivered order cannot be exchanged")
        missing = _count_ok(item_ids, [it["item_id"] for it in order["items"]])
        if missing is not None:
            raise ToolError(f"Number of {missing} not found.")
        if len(item_ids) != len(new_item_ids):
            raise ToolError("The number of items to be exchanged should match.")
        diff = 0.0
        for old_id, new_id in zip(item_ids, new_item_ids, strict=True):
            item = next((it for it in order["items"] if it["item_id"] == old_id), None)
            if item is None:
                raise ToolError(f"Item {old_id} not found")
            variant = self._variant(item["product_id"], new_id)
            if not variant["available"]:
                raise ToolError(f"New item {new_id} not found or available")
            diff += variant["price"] - item["price"]
        diff = round(diff, 2)
        method = self._payment_method(order["user_id"], payment_method_id)
        if method["source"] == "gift_card" and method["balance"] < diff:
            raise ToolError("Insufficient gift card balance to pay for the price difference")
        order_w = self.db.mut("orders", order_id)
        order_w["status"] = "exchange requested"
        order_w["exchange_items"] = sorted(item_ids)
        order_w["exchange_new_items"] = sorted(new_item_ids)
        order_w["exchange_payment_method_id"] = payment_method_id
        order_w["exchange_price_difference"] = diff
        return copy.deepcopy(order_w)

    @tool("read")
    def find_user_id_by_name_zip(self, first_name: str, last_name: str, zip: str) -> str:
        """Find user id by first name, last name, and zip code. If the user is not found, the function will return an error message. By default, find user id by email, and only call this function if the user is not found by email or cannot remember email.

        Args:
            first_name: The first name of the customer, such as 'John'.
            last_name: The last name of the customer, such as 'Doe'.
            zip: The zip code of the customer, such as '12345'.
        """
        for user_id, user in self.db.items("users"):
            name = user["name"]
            if (
                name["first_name"].lower() == first_name.lower()
                and name["last_name"].lower() == last_name.lower()
                and user["address"]["zip"] == zip
            ):
                return str(user_id)
        raise ToolError("User not found")

    @tool("read")
    def find_user_id_by_email(self, email: str) -> str:
        """Find user id by email. If the user is not found, the function will return an error message.

        Args:
            email: The email of the user, such as 'something@example.com'.
        """
        for user_id, user in self.db.items("users"):
            if user["email"].lower() == email.lower():
                return str(user_id)
        raise ToolError("User not found")

    @tool("read")
    def get_order_details(self, order_id: str) -> dict[str, Any]:
        """Get the status and details of an order.

        Args:
            order_id: The order id, such as '#W0000000'. Be careful there is a '#' symbol at the beginning of the order id.
        """
        return self._order(order_id)

    @tool("read")
    def get_product_details(self, product_id: str) -> dict[str, Any]:
        """Get the inventory details of a product.

        Args:
            product_id: The product id, such as '6086499569'. Be careful the product id is different from the item id.
        """
        return self._product(product_id)

    @tool("read")
    def get_item_details(self, item_id: str) -> dict[str, Any]:
        """Get the inventory details of an item.

        Args:
            item_id: The item id, such as '6086499569'. Be careful the item id is different from the product id.
        """
        for _, product in self.db.items("products"):
            if item_id in product["variants"]:
                return dict(product["variants"][item_id])
        raise ToolError("Item not found")

    @tool("read")
    def get_user_details(self, user_id: str) -> dict[str, Any]:
        """Get the details of a user, including their orders.

        Args:
            user_id: The user id, such as 'sara_doe_496'.
        """
        return self._user(user_id)

    @tool("read")
    def list_all_product_types(self) -> str:
        """List the name and product id of all product types. Each product type has a variety of different items with unique item ids and options. There are only 50 product types in the store."""
        names = {p["name"]: p["product_id"] for _, p in self.db.items("products")}
        return json.dumps(names, sort_keys=True)

    @tool("write")
    def modify_pending_order_address(
        self, order_id: str, address1: str, address2: str, city: str, state: str, country: str, zip: str
    ) -> dict[str, Any]:
        """Modify the shipping address of a pending order. The agent needs to explain the modification detail and ask for explicit user confirmation (yes/no) to proceed.

        Args:
            order_id: The order id, such as '#W0000000'. Be careful there is a '#' symbol at the beginning of the order id.
            address1: The first line of the address, such as '123 Main St'.
            address2: The second line of the address, such as 'Apt 1' or ''.
            city: The city, such as 'San Francisco'.
            state: The state, such as 'CA'.
            country: The country, such as 'USA'.
            zip: The zip code, such as '12345'.
        """
        if "pending" not in self._order(order_id)["status"]:
            raise ToolError("Non-pending order cannot be modified")
        order_w = self.db.mut("orders", order_id)
        order_w["address"] = self._address(address1, address2, city, state, country, zip)
        return copy.deepcopy(order_w)

    @tool("write")
    def modify_pending_order_items(
        self, order_id: str, item_ids: list[str], new_item_ids: list[str], payment_method_id: str
    ) -> dict[str, Any]:
        """Modify items in a pending order to new items of the same product type. For a pending order, this function can only be called once. The agent needs to explain the exchange detail and ask for explicit user confirmation (yes/no) to proceed.

        Args:
            order_id: The order id, such as '#W0000000'. Be careful there is a '#' symbol at the beginning of the order id.
            item_ids: The item ids to be modified, each such as '1008292230'. There could be duplicate items in the list.
            new_item_ids: The item ids to be modified for, each such as '1008292230'. There could be duplicate items in the list. Each new item id should match the item id in the same position and be of the same product.
            payment_method_id: The payment method id to pay or receive refund for the item price difference, such as 'gift_card_0000000' or 'credit_card_0000000'. These can be looked up from the user or order details.
        """
        order = self._order(order_id)
        if order["status"] != "pending":
            raise ToolError("Non-pending order cannot be modified")
        missing = _count_ok(item_ids, [it["item_id"] for it in order["items"]])
        if missing is not None:
            raise ToolError(f"{missing} not found")
        if len(item_ids) != len(new_item_ids):
            raise ToolError("The number of items to be exchanged should match")
        diff = 0.0
        variant: dict[str, Any] = {}
        for old_id, new_id in zip(item_ids, new_item_ids, strict=True):
            if old_id == new_id:
                raise ToolError("The new item id should be different from the old item id")
            item = next((it for it in order["items"] if it["item_id"] == old_id), None)
            if item is None:
                raise ToolError(f"Item {old_id} not found")
            variant = self._variant(item["product_id"], new_id)
            if not variant["available"]:
                raise ToolError(f"New item {new_id} not found or available")
            diff += variant["price"] - item["price"]
        method = self._payment_method(order["user_id"], payment_method_id)
        if method["source"] == "gift_card" and method["balance"] < diff:
            raise ToolError("Insufficient gift card balance to pay for the new item")
        order_w = self.db.mut("orders", order_id)
        order_w["payment_history"].append(
            {
                "transaction_type": "payment" if diff > 0 else "refund",
                "amount": abs(diff),
                "payment_method_id": payment_method_id,
            }
        )
        if method["source"] == "gift_card":
            self._add_gift_card(order["user_id"], payment_method_id, -diff)
        for old_id, new_id in zip(item_ids, new_item_ids, strict=True):
            item = next(it for it in order_w["items"] if it["item_id"] == old_id)
            item["item_id"] = new_id
            item["price"] = variant["price"]  # upstream quirk: the last new item's price and options
            item["options"] = copy.deepcopy(variant["options"])
        order_w["status"] = "pending (item modified)"
        return copy.deepcopy(order_w)

    @tool("write")
    def modify_pending_order_payment(self, order_id: str, payment_method_id: str) -> dict[str, Any]:
        """Modify the payment method of a pending order. The agent needs to explain the modification detail and ask for explicit user confirmation (yes/no) to proceed.

        Args:
            order_id: The order id, such as '#W0000000'. Be careful there is a '#' symbol at the beginning of the order id.
            payment_method_id: The payment method id to pay or receive refund for the item price difference, such as 'gift_card_0000000' or 'credit_card_0000000'. These can be looked up from the user or order details.
        """
        order = self._order(order_id)
        if "pending" not in order["status"]:
            raise ToolError("Non-pending order cannot be modified")
        method = self._payment_method(order["user_id"], payment_method_id)
        history = order["payment_history"]
        if len(history) != 1 or history[0]["transaction_type"] != "payment":
            raise ToolError("There should be exactly one payment for a pending order")
        old_id = history[0]["payment_method_id"]
        if old_id == payment_method_id:
            raise ToolError("The new payment method should be different from the current one")
        amount = history[0]["amount"]
        if method["source"] == "gift_card" and method["balance"] < amount:
            raise ToolError("Insufficient gift card balance to pay for the order")
        order_w = self.db.mut("orders", order_id)
        order_w["payment_history"].extend(
            [
                {"transaction_type": "payment", "amount": amount, "payment_method_id": payment_method_id},
                {"transaction_type": "refund", "amount": amount, "payment_method_id": old_id},
            ]
        )
        if method["source"] == "gift_card":
            self._add_gift_card(order["user_id"], payment_method_id, -amount)
        if self._payment_method(order["user_id"], old_id)["source"] == "gift_card":
            self._add_gift_card(order["user_id"], old_id, amount)
        return copy.deepcopy(order_w)

    @tool("write")
    def modify_user_address(
        self, user_id: str, address1: str, address2: str, city: str, state: str, country: str, zip: str
    ) -> dict[str, Any]:
        """Modify the default address of a user. The agent needs to explain the modification detail and ask for explicit user confirmation (yes/no) to proceed.

        Args:
            user_id: The user id, such as 'sara_doe_496'.
            address1: The first line of the address, such as '123 Main St'.
            address2: The second line of the address, such as 'Apt 1' or ''.
            city: The city, such as 'San Francisco'.
            state: The state, such as 'CA'.
            country: The country, such as 'USA'.
            zip: The zip code, such as '12345'.
        """
        self._user(user_id)
        user_w = self.db.mut("users", user_id)
        user_w["address"] = self._address(address1, address2, city, state, country, zip)
        return copy.deepcopy(user_w)

    @tool("write")
    def return_delivered_order_items(
        self, order_id: str, item_ids: list[str], payment_method_id: str
    ) -> dict[str, Any]:
        """Return some items of a delivered order. The order status will be changed to 'return requested'. The agent needs to explain the return detail and ask for explicit user confirmation (yes/no) to proceed. The user will receive follow-up email for how and where to return the item.

        Args:
            order_id: The order id, such as '#W0000000'. Be careful there is a '#' symbol at the beginning of the order id.
            item_ids: The item ids to be returned, each such as '1008292230'. There could be duplicate items in the list.
            payment_method_id: The payment method id to pay or receive refund for the item price difference, such as 'gift_card_0000000' or 'credit_card_0000000'. These can be looked up from the user or order details.
        """
        order = self._order(order_id)
        if order["status"] != "delivered":
            raise ToolError("Non-delivered order cannot be returned")
        method = self._payment_method(order["user_id"], payment_method_id)
        if (
            method["source"] != "gift_card"
            and payment_method_id != order["payment_history"][0]["payment_method_id"]
        ):
            raise ToolError("Payment method should be the original payment method")
        if _count_ok(item_ids, [it["item_id"] for it in order["items"]]) is not None:
            raise ToolError("Some item not found")
        order_w = self.db.mut("orders", order_id)
        order_w["status"] = "return requested"
        order_w["return_items"] = sorted(item_ids)
        order_w["return_payment_method_id"] = payment_method_id
        return copy.deepcopy(order_w)

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
