"""Telecom databases: reading `db.toml` / `user_db.toml` into the τ² table layout, with upstream defaults.

The agent-side database (`db.toml`) holds arrays of plans, devices, lines, customers and bills; here each
array becomes a table keyed by its id, in file order (tools that scan, such as customer lookup by phone,
see records in the same order as upstream). Every record is completed with the defaults of upstream's
data model and its fields are put in the model's order, so tool outputs serialise like upstream's
`model_dump()`. The user-side database (`user_db.toml`, the phone) becomes one table `user` with two
records: `device` (the phone's settings and radio state) and `surroundings` (who and where the user is,
what the network offers, and the state mirrored from the account).
"""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

from toolmind.eval.tau.data import DataError
from toolmind.eval.tau.db import BaseDB

# Upstream's clock for the telecom domain (`main_policy.md`: "The current time is 2025-02-25 12:08:00 EST").
TODAY = dt.date(2025, 2, 25)
USER_TABLE = "user"

# Field order and defaults of upstream's data model (`...` = required).
_REQUIRED = ...
AGENT_SCHEMA: dict[str, tuple[str, dict[str, Any]]] = {
    "plans": (
        "plan_id",
        {
            "plan_id": _REQUIRED,
            "name": _REQUIRED,
            "data_limit_gb": _REQUIRED,
            "price_per_month": _REQUIRED,
            "data_refueling_price_per_gb": _REQUIRED,
        },
    ),
    "customers": (
        "customer_id",
        {
            "customer_id": _REQUIRED,
            "full_name": _REQUIRED,
            "date_of_birth": _REQUIRED,
            "email": _REQUIRED,
            "phone_number": _REQUIRED,
            "address": _REQUIRED,
            "account_status": "Pending Verification",
            "payment_methods": [],
            "line_ids": [],
            "bill_ids": [],
            "created_at": "2025-01-01T00:00:00",
            "last_extension_date": None,
            "goodwill_credit_used_this_year": 0.0,
        },
    ),
    "lines": (
        "line_id",
        {
            "line_id": _REQUIRED,
            "phone_number": _REQUIRED,
            "status": "Pending Activation",
            "plan_id": _REQUIRED,
            "device_id": None,
            "data_used_gb": 0.0,
            "data_refueling_gb": 0.0,
            "roaming_enabled": False,
            "contract_end_date": None,
            "last_plan_change_date": None,
            "last_sim_replacement_date": None,
            "suspension_start_date": None,
        },
    ),
    "bills": (
        "bill_id",
        {
            "bill_id": _REQUIRED,
            "customer_id": _REQUIRED,
            "period_start": _REQUIRED,
            "period_end": _REQUIRED,
            "issue_date": _REQUIRED,
            "total_due": _REQUIRED,
            "due_date": _REQUIRED,
            "line_items": [],
            "status": "Draft",
        },
    ),
    "devices": (
        "device_id",
        {
            "device_id": _REQUIRED,
            "device_type": _REQUIRED,
            "model": _REQUIRED,
            "imei": None,
            "is_esim_capable": _REQUIRED,
            "activated": False,
            "activation_date": None,
            "last_esim_transfer_date": None,
        },
    ),
}
FLOAT_FIELDS = frozenset(
    {
        "data_limit_gb",
        "price_per_month",
        "data_refueling_price_per_gb",
        "data_used_gb",
        "data_refueling_gb",
        "total_due",
        "goodwill_credit_used_this_year",
        "amount",
    }
)
# Fields upstream types as datetime: its JSON output spells them `YYYY-MM-DD HH:MM:SS` (str(datetime)).
DATETIME_FIELDS = frozenset({"created_at", "activation_date", "last_esim_transfer_date"})

DEFAULT_APN: dict[str, Any] = {
    "apn_name": "internet",
    "reset_at_reboot": False,
    "mms_apn": "mms",
    "mmsc_url": "http://mms.carrier.com/mms/wapenc",
    "mms_proxy": None,
    "mms_port": None,
}
PERMISSIONS = ("sms", "storage", "phone", "network")
DEFAULT_DEVICE: dict[str, Any] = {
    "sim_card_status": "active",
    "sim_card_missing": False,
    "airplane_mode": False,
    "network_signal_strength": "good",
    "network_technology_connected": "5G",
    "network_connection_status": "connected",
    "battery_level": 80,
    "data_enabled": True,
    "roaming_enabled": False,
    "network_mode_preference": "4g_5g_preferred",
    "active_apn_settings": DEFAULT_APN,
    "wifi_enabled": False,
    "wifi_connected": False,
    "wifi_ssid": None,
    "wifi_signal_strength": "none",
    "wifi_calling_enabled": False,
    "wifi_calling_mms_over_wifi": False,
    "data_saver_mode": False,
    "vpn_enabled_setting": False,
    "vpn_connected": False,
    "vpn_details": None,
    "app_statuses": {
        "messaging": {
            "app_name": "messaging",
            "permissions": {"sms": True, "storage": True, "phone": True, "network": False},
        },
        "browser": {
            "app_name": "browser",
            "permissions": {"sms": False, "storage": True, "phone": False, "network": True},
        },
    },
}
DEFAULT_SURROUNDINGS: dict[str, Any] = {
    "name": None,
    "phone_number": None,
    "is_abroad": False,
    "roaming_allowed": False,
    "signal_strength": {"2G": "poor", "3G": "fair", "4G": "good", "5G": "excellent"},
    "mobile_data_usage_exceeded": False,
    "line_active": True,
    "payment_request": None,
}


def _plain(value: Any) -> Any:
    """TOML dates and datetimes as ISO strings (the database holds JSON data only)."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; a missing or malformed file raises DataError naming it."""
    if not path.is_file():
        raise DataError(f"{path}: file not found (expected a τ² telecom data directory)")
    try:
        with open(path, "rb") as fh:
            return _plain(tomllib.load(fh))
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{path}: invalid TOML: {exc}") from exc


def _record(path: Path, table: str, index: int, raw: Any) -> dict[str, Any]:
    key, fields = AGENT_SCHEMA[table]
    if not isinstance(raw, dict):
        raise DataError(f"{path}: [[{table}]] #{index}: expected a table, got {type(raw).__name__}")
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise DataError(f"{path}: [[{table}]] #{index} ({raw.get(key)!r}): unknown field(s) {unknown}")
    out: dict[str, Any] = {}
    for name, default in fields.items():
        if name in raw:
            value = raw[name]
        elif default is _REQUIRED:
            raise DataError(f"{path}: [[{table}]] #{index} ({raw.get(key)!r}): missing field {name!r}")
        else:
            value = copy.deepcopy(default)
        if name in FLOAT_FIELDS and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if name == "line_items":
            value = [{**item, "amount": float(item["amount"])} for item in value]
        out[name] = value
    return out


def load_agent_db(path: Path) -> BaseDB:
    """`db.toml` → tables `plans`, `customers`, `lines`, `bills`, `devices` keyed by id."""
    raw = read_toml(path)
    unknown = sorted(set(raw) - set(AGENT_SCHEMA))
    if unknown:
        raise DataError(f"{path}: unknown top-level array(s) {unknown} (have: {', '.join(AGENT_SCHEMA)})")
    tables: dict[str, dict[str, Any]] = {}
    for table, (key, _) in AGENT_SCHEMA.items():
        items = raw.get(table, [])
        if not isinstance(items, list):
            raise DataError(f"{path}: {table!r} must be an array of tables ([[{table}]])")
        records: dict[str, Any] = {}
        for i, item in enumerate(items):
            rec = _record(path, table, i, item)
            if rec[key] in records:
                raise DataError(f"{path}: [[{table}]] #{i}: duplicate {key} {rec[key]!r}")
            records[rec[key]] = rec
        tables[table] = records
    return BaseDB(tables)


def _merge(base: dict[str, Any], update: dict[str, Any], where: str) -> dict[str, Any]:
    """Deep-merge `update` into a copy of `base` (nested tables merge; new app entries are allowed)."""
    out = copy.deepcopy(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value, f"{where}.{key}")
        elif key in out or where.endswith("app_statuses"):
            out[key] = value
        else:
            raise DataError(f"{where}: unknown field {key!r}")
    return out


def load_user_db(path: Path | None) -> BaseDB:
    """`user_db.toml` (optional upstream; defaults when absent) → table `user` {device, surroundings}."""
    raw = read_toml(path) if path is not None and path.is_file() else {}
    unknown = sorted(set(raw) - {"device", "surroundings"})
    if unknown:
        raise DataError(f"{path}: unknown top-level table(s) {unknown} (have: device, surroundings)")
    device = _merge(DEFAULT_DEVICE, raw.get("device", {}), f"{path}: [device]")
    surroundings = _merge(DEFAULT_SURROUNDINGS, raw.get("surroundings", {}), f"{path}: [surroundings]")
    for name, app in device["app_statuses"].items():
        perms = app.setdefault("permissions", {})
        app["permissions"] = {p: bool(perms.get(p, False)) for p in PERMISSIONS}
        app.setdefault("app_name", name)
    return BaseDB({USER_TABLE: {"device": device, "surroundings": surroundings}})
