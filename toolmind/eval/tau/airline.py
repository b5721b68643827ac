"""τ² airline domain: reservations, flights and users, written from `policy.md` and the data.

Semantics follow the benchmark (v1.0.1): seats are taken on booking but not released on cancellation or
flight change; `search_onestop_flight` builds the next-day date without zero padding; ids of new
reservations and certificates come from fixed lists. Every refusal is a `ToolError`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Literal, TypedDict

from toolmind.eval.tau.arith import evaluate_expression
from toolmind.eval.tau.db import EpisodeDB
from toolmind.eval.tau.toolkit import ToolError, Toolkit, tool

Cabin = Literal["basic_economy", "economy", "business"]
FlightType = Literal["one_way", "round_trip"]
YesNo = Literal["yes", "no"]

NEW_RESERVATION_IDS = ("HATHAT", "HATHAU", "HATHAV")
NEW_CERTIFICATE_IDS = ("certificate_3221322", "certificate_3221323", "certificate_3221324")
NOW = "2024-05-15T15:00:00"
AIRPORTS = [
    ("SFO", "San Francisco"), ("JFK", "New York"), ("LAX", "Los Angeles"), ("ORD", "Chicago"),
    ("DFW", "Dallas"), ("DEN", "Denver"), ("SEA", "Seattle"), ("ATL", "Atlanta"), ("MIA", "Miami"),
    ("BOS", "Boston"), ("PHX", "Phoenix"), ("IAH", "Houston"), ("LAS", "Las Vegas"), ("MCO", "Orlando"),
    ("EWR", "Newark"), ("CLT", "Charlotte"), ("MSP", "Minneapolis"), ("DTW", "Detroit"),
    ("PHL", "Philadelphia"), ("LGA", "LaGuardia"),
]  # fmt: skip


class FlightInfo(TypedDict):
    """One flight segment.

    Attributes:
        flight_number: Flight number, such as 'HAT001'.
        date: The date for the flight in the format 'YYYY-MM-DD', such as '2024-05-01'.
    """

    flight_number: str
    date: str


class Passenger(TypedDict):
    """A passenger.

    Attributes:
        first_name: Passenger's first name.
        last_name: Passenger's last name.
        dob: Date of birth in YYYY-MM-DD format.
    """

    first_name: str
    last_name: str
    dob: str


class Payment(TypedDict):
    """One payment.

    Attributes:
        payment_id: Unique identifier for the payment method, such as 'credit_card_7815826'.
        amount: Payment amount in dollars.
    """

    payment_id: str
    amount: int


def _strip(value: Mapping[str, Any], cls: type) -> dict[str, Any]:
    """Keep only the declared fields of a TypedDict (extra keys are ignored, as upstream's models do)."""
    return {k: value[k] for k in cls.__annotations__ if k in value}


class AirlineTools(Toolkit):
    """All tools of the airline domain, acting on one episode's database."""

    def __init__(self, db: EpisodeDB) -> None:
        self.db = db
        super().__init__()

    # ---- lookups ----------------------------------------------------------------------------------
    def _user(self, user_id: str) -> dict[str, Any]:
        user = self.db.get("users", user_id)
        if user is None:
            raise ToolError(f"User {user_id} not found")
        return user

    def _reservation(self, reservation_id: str) -> dict[str, Any]:
        res = self.db.get("reservations", reservation_id)
        if res is None:
            raise ToolError(f"Reservation {reservation_id} not found")
        return res

    def _flight(self, flight_number: str) -> dict[str, Any]:
        flight = self.db.get("flights", flight_number)
        if flight is None:
            raise ToolError(f"Flight {flight_number} not found")
        return flight

    def _flight_date(self, flight_number: str, date: str) -> dict[str, Any]:
        flight = self._flight(flight_number)
        if date not in flight["dates"]:
            raise ToolError(f"Flight {flight_number} not found on date {date}")
        return flight["dates"][date]

    def _direct(
        self, date: str, origin: str | None, destination: str | None, leave_after: str | None = None
    ) -> list[dict[str, Any]]:
        out = []
        for _, f in self.db.items("flights"):
            day = f["dates"].get(date)
            if (
                (origin is None or f["origin"] == origin)
                and (destination is None or f["destination"] == destination)
                and day is not None
                and day["status"] == "available"
                and (leave_after is None or f["scheduled_departure_time_est"] >= leave_after)
            ):
                out.append(
                    {
                        "flight_number": f["flight_number"],
                        "origin": f["origin"],
                        "destination": f["destination"],
                        "status": "available",
                        "scheduled_departure_time_est": f["scheduled_departure_time_est"],
                        "scheduled_arrival_time_est": f["scheduled_arrival_time_est"],
                        "date": None,
                        "available_seats": dict(day["available_seats"]),
                        "prices": dict(day["prices"]),
                    }
                )
        return out

    def _pay_for_update(self, user_id: str, payment_id: str, total_price: int) -> dict[str, Any] | None:
        user = self._user(user_id)
        method = user["payment_methods"].get(payment_id)
        if method is None:
            raise ToolError("Payment method not found")
        if method["source"] == "certificate":
            raise ToolError("Certificate cannot be used to update reservation")
        if method["source"] == "gift_card" and method["amount"] < total_price:
            raise ToolError("Gift card balance is not enough")
        if method["source"] == "gift_card":
            self.db.mut("users", user_id)["payment_methods"][payment_id]["amount"] -= total_price
        return {"payment_id": payment_id, "amount": total_price} if total_price != 0 else None

    # ---- tools ------------------------------------------------------------------------------------
    @tool("write")
    def book_reservation(
        self,
        user_id: str,
        origin: str,
        destination: str,
        flight_type: FlightType,
        cabin: Cabin,
        flights: list[FlightInfo],
        passengers: list[Passenger],
        payment_methods: list[Payment],
        total_baggages: int,
        nonfree_baggages: int,
        insurance: YesNo,
    ) -> dict[str, Any]:
        """Book a reservation.

        Args:
            user_id: The ID of the user to book the reservation such as 'sara_doe_496'`.
            origin: The IATA code for the origin city such as 'SFO'.
            destination: The IATA code for the destination city such as 'JFK'.
            flight_type: The type of flight such as 'one_way' or 'round_trip'.
            cabin: The cabin class such as 'basic_economy', 'economy', or 'business'.
            flights: An array of objects containing details about each piece of flight.
            passengers: An array of objects containing details about each passenger.
            payment_methods: An array of objects containing details about each payment method.
            total_baggages: The total number of baggage items to book the reservation.
            nonfree_baggages: The number of non-free baggage items to book the reservation.
            insurance: Whether the reservation has insurance.
        """
        user = self._user(user_id)
        reservation_id = next((r for r in NEW_RESERVATION_IDS if not self.db.has("reservations", r)), None)
        if reservation_id is None:
            raise ToolError("Too many reservations")
        pax = [_strip(p, Passenger) for p in passengers]
        pays = [_strip(p, Payment) for p in payment_methods]
        segments = []
        total = 0
        for info in flights:
            flight = self._flight(info["flight_number"])
            day = self._flight_date(info["flight_number"], info["date"])
            if day["status"] != "available":
                raise ToolError(f"Flight {info['flight_number']} not available on date {info['date']}")
            if day["available_seats"][cabin] < len(pax):
                raise ToolError(f"Not enough seats on flight {info['flight_number']}")
            price = day["prices"][cabin]
            segments.append(
                {
                    "origin": flight["origin"],
                    "destination": flight["destination"],
                    "flight_number": info["flight_number"],
                    "date": info["date"],
                    "price": price,
                }
            )
            total += price * len(pax)
        if insurance == "yes":
            total += 30 * len(pax)
        total += 50 * nonfree_baggages
        for pay in pays:
            method = user["payment_methods"].get(pay["payment_id"])
            if method is None:
                raise ToolError(f"Payment method {pay['payment_id']} not found")
            if method["source"] in ("gift_card", "certificate") and method["amount"] < pay["amount"]:
                raise ToolError(f"Not enough balance in payment method {pay['payment_id']}")
        paid = sum(p["amount"] for p in pays)
        if paid != total:
            raise ToolError(f"Payment amount does not add up, total price is {total}, but paid {paid}")
        user_w = self.db.mut("users", user_id)
        for pay in pays:
            method = user_w["payment_methods"][pay["payment_id"]]
            if method["source"] == "gift_card":
                method["amount"] -= pay["amount"]
            elif method["source"] == "certificate":
                user_w["payment_methods"].pop(pay["payment_id"])
        for info in flights:
            seats = self.db.mut("flights", info["flight_number"])["dates"][info["date"]]["available_seats"]
            seats[cabin] -= len(pax)
        reservation = {
            "reservation_id": reservation_id,
            "user_id": user_id,
            "origin": origin,
            "destination": destination,
            "flight_type": flight_type,
            "cabin": cabin,
            "flights": segments,
            "passengers": pax,
            "payment_history": pays,
            "created_at": NOW,
            "total_baggages": total_baggages,
            "nonfree_baggages": nonfree_baggages,
            "insurance": insurance,
            "status": None,
        }
        self.db.put("reservations", reservation_id, reservation)
        user_w["reservations"].append(reservation_id)
        return copy.deepcopy(reservation)

    @tool("generic")
    def calculate(self, expression: str) -> str:
        """Calculate the result of a mathematical expression.

        Args:
            expression: The mathematical expression to calculate, such as '2 + 2'. The expression can contain numbers, operators (+, -, *, /), parentheses, and spaces.
        """
        return evaluate_expression(expression)

    @tool("write")
    def cancel_reservation(self, reservation_id: str) -> dict[str, Any]:
        """Cancel the whole reservation.

        Args:
            reservation_id: The reservation ID, such as 'ZFA04Y'.
        """
        self._reservation(reservation_id)
        res = self.db.mut("reservations", reservation_id)
        refunds = [{"payment_id": p["payment_id"], "amount": -p["amount"]} for p in res["payment_history"]]
        res["payment_history"].extend(refunds)
        res["status"] = "cancelled"
        return copy.deepcopy(res)

    @tool("read")
    def get_reservation_details(self, reservation_id: str) -> dict[str, Any]:
        """Get the details of a reservation.

        Args:
            reservation_id: The reservation ID, such as '8JX2WO'.
        """
        return self._reservation(reservation_id)

    @tool("read")
    def get_user_details(self, user_id: str) -> dict[str, Any]:
        """Get the details of a user, including their reservations.

        Args:
            user_id: The user ID, such as 'sara_doe_496'.
        """
        return self._user(user_id)

    @tool("read")
    def list_all_airports(self) -> list[dict[str, str]]:
        """Returns a list of all available airports."""
        return [{"iata": code, "city": city} for code, city in AIRPORTS]

    @tool("read")
    def search_direct_flight(self, origin: str, destination: str, date: str) -> list[dict[str, Any]]:
        """Search for direct flights between two cities on a specific date.

        Args:
            origin: The origin city airport in three letters, such as 'JFK'.
            destination: The destination city airport in three letters, such as 'LAX'.
            date: The date of the flight in the format 'YYYY-MM-DD', such as '2024-01-01'.
        """
        return self._direct(date, origin, destination)

    @tool("read")
    def search_onestop_flight(self, origin: str, destination: str, date: str) -> list[list[dict[str, Any]]]:
        """Search for one-stop flights between two cities on a specific date.

        Args:
            origin: The origin city airport in three letters, such as 'JFK'.
            destination: The destination city airport in three letters, such as 'LAX'.
            date: The date of the flight in the format 'YYYY-MM-DD', such as '2024-05-01'.
        """
        out = []
        for first in self._direct(date, origin, None):
            first["date"] = date
            # Upstream's next-day date is not zero-padded ("2024-05-6"); kept for fidelity.
            date2 = f"2024-05-{int(date[-2:]) + 1}" if "+1" in first["scheduled_arrival_time_est"] else date
            for second in self._direct(
                date2, first["destination"], destination, first["scheduled_arrival_time_est"]
            ):
                second["date"] = date2
                out.append([first, second])
        return out

    @tool("write")
    def send_certificate(self, user_id: str, amount: int) -> str:
        """Send a certificate to a user. Be careful!

        Args:
            user_id: The ID of the user to book the reservation, such as 'sara_doe_496'.
            amount: The amount of the certificate to send.
        """
        user = self._user(user_id)
        for cid in NEW_CERTIFICATE_IDS:
            if cid not in user["payment_methods"]:
                methods = self.db.mut("users", user_id)["payment_methods"]
                methods[cid] = {"source": "certificate", "id": cid, "amount": amount}
                return f"Certificate {cid} added to user {user_id} with amount {amount}."
        raise ToolError("Too many certificates")

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

    @tool("write")
    def update_reservation_baggages(
        self, reservation_id: str, total_baggages: int, nonfree_baggages: int, payment_id: str
    ) -> dict[str, Any]:
        """Update the baggage information of a reservation.

        Args:
            reservation_id: The reservation ID, such as 'ZFA04Y'
            total_baggages: The updated total number of baggage items included in the reservation.
            nonfree_baggages: The updated number of non-free baggage items included in the reservation.
            payment_id: The payment id stored in user profile, such as 'credit_card_7815826', 'gift_card_7815826', 'certificate_7815826'.
        """
        res = self._reservation(reservation_id)
        self._user(res["user_id"])
        total = 50 * max(0, nonfree_baggages - res["nonfree_baggages"])
        payment = self._pay_for_update(res["user_id"], payment_id, total)
        res_w = self.db.mut("reservations", reservation_id)
        if payment is not None:
            res_w["payment_history"].append(payment)
        res_w["total_baggages"] = total_baggages
        res_w["nonfree_baggages"] = nonfree_baggages
        return copy.deepcopy(res_w)

    @tool("write")
    def update_reservation_flights(
        self, reservation_id: str, cabin: Cabin, flights: list[FlightInfo], payment_id: str
    ) -> dict[str, Any]:
        """Update the flight information of a reservation.

        Args:
            reservation_id: The reservation ID, such as 'ZFA04Y'.
            cabin: The cabin class of the reservation
            flights: An array of objects containing details about each piece of flight in the ENTIRE new reservation. Even if the a flight segment is not changed, it should still be included in the array.
            payment_id: The payment id stored in user profile, such as 'credit_card_7815826', 'gift_card_7815826', 'certificate_7815826'.
        """
        res = self._reservation(reservation_id)
        self._user(res["user_id"])
        n_pax = len(res["passengers"])
        total = 0
        segments = []
        for info in flights:
            kept = next(
                (
                    f
                    for f in res["flights"]
                    if f["flight_number"] == info["flight_number"]
                    and f["date"] == info["date"]
                    and cabin == res["cabin"]
                ),
                None,
            )
            if kept is not None:
                total += kept["price"] * n_pax
                segments.append(copy.deepcopy(kept))
                continue
            flight = self._flight(info["flight_number"])
            day = self._flight_date(info["flight_number"], info["date"])
            if day["status"] != "available":
                raise ToolError(f"Flight {info['flight_number']} not available on date {info['date']}")
            if day["available_seats"][cabin] < n_pax:
                raise ToolError(f"Not enough seats on flight {info['flight_number']}")
            segment = {
                "origin": flight["origin"],
                "destination": flight["destination"],
                "flight_number": info["flight_number"],
                "date": info["date"],
                "price": day["prices"][cabin],
            }
            total += segment["price"] * n_pax
            segments.append(segment)
        total -= sum(f["price"] for f in res["flights"]) * n_pax
        payment = self._pay_for_update(res["user_id"], payment_id, total)
        res_w = self.db.mut("reservations", reservation_id)
        if payment is not None:
            res_w["payment_history"].append(payment)
        res_w["flights"] = segments
        res_w["cabin"] = cabin
        return copy.deepcopy(res_w)

    @tool("write")
    def update_reservation_passengers(
        self, reservation_id: str, passengers: list[Passenger]
    ) -> dict[str, Any]:
        """Update the passenger information of a reservation.

        Args:
            reservation_id: The reservation ID, such as 'ZFA04Y'.
            passengers: An array of objects containing details about each passenger.
        """
        res = self._reservation(reservation_id)
        if len(passengers) != len(res["passengers"]):
            raise ToolError("Number of passengers does not match")
        res_w = self.db.mut("reservations", reservation_id)
        res_w["passengers"] = [_strip(p, Passenger) for p in passengers]
        return copy.deepcopy(res_w)

    @tool("read")
    def get_flight_status(self, flight_number: str, date: str) -> str:
        """Get the status of a flight.

        Args:
            flight_number: The flight number.
            date: The date of the flight.
        """
        return str(self._flight_date(flight_number, date)["status"])
