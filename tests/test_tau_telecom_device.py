"""τ² telecom phone physics, phone ↔ account sync and data errors, on a small domain built in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from toolmind.eval.tau.data import DataError, EnvFunctionCall
from toolmind.eval.tau.telecom import TelecomDomain, TelecomEnvironment, load_telecom

DB_TOML = """
[[plans]]
plan_id = "P1"
name = "Basic"
data_limit_gb = 5.0
price_per_month = 40.0
data_refueling_price_per_gb = 2.0

[[devices]]
device_id = "D1"
device_type = "phone"
model = "Phone"
is_esim_capable = true
activated = true
activation_date = "2025-01-20T14:30:00"

[[lines]]
line_id = "L1"
phone_number = "555-000-0001"
status = "Active"
plan_id = "P1"
device_id = "D1"
data_used_gb = 1.5
roaming_enabled = false

[[customers]]
customer_id = "C1"
full_name = "Ada Lovelace"
date_of_birth = "1990-01-01"
email = "ada@example.com"
phone_number = "555-000-0001"
account_status = "Active"
created_at = "2025-01-15T10:30:00"
line_ids = ["L1"]
bill_ids = ["B1"]
[customers.address]
street = "1 Main St"
city = "Town"
state = "CA"
zip_code = "90000"

[[bills]]
bill_id = "B1"
customer_id = "C1"
period_start = "2025-02-01"
period_end = "2025-02-28"
issue_date = "2025-02-05"
total_due = 0.0
due_date = "2025-02-19"
status = "Draft"
"""
USER_TOML = '[device]\nbattery_level = 55\n[device.app_statuses.messaging]\napp_name = "messaging"\n'


def _write_domain(root: Path, db: str = DB_TOML) -> Path:
    tel = root / "telecom"
    tel.mkdir(parents=True)
    (tel / "db.toml").write_text(db, encoding="utf-8")
    (tel / "user_db.toml").write_text(USER_TOML, encoding="utf-8")
    (tel / "main_policy.md").write_text("# Policy", encoding="utf-8")
    (tel / "tech_support_manual.md").write_text("# Manual", encoding="utf-8")
    task = {
        "id": "t1",
        "user_scenario": {"instructions": "no data"},
        "initial_state": {
            "initialization_actions": [
                {
                    "env_type": "user",
                    "func_name": "set_user_info",
                    "arguments": {"name": "Ada", "phone_number": "555-000-0001"},
                }
            ]
        },
        "evaluation_criteria": {"actions": [], "reward_basis": ["ENV_ASSERTION"]},
    }
    (tel / "tasks.json").write_text(json.dumps([task]), encoding="utf-8")
    (tel / "split_tasks.json").write_text(json.dumps({"base": ["t1"]}), encoding="utf-8")
    return tel


@pytest.fixture
def domain(tmp_path: Path) -> TelecomDomain:
    return load_telecom(_write_domain(tmp_path))


@pytest.fixture
def env(domain: TelecomDomain) -> TelecomEnvironment:
    e = domain.env(domain.tasks[0])
    assert isinstance(e, TelecomEnvironment)
    return e


def user(env: TelecomEnvironment, name: str, **args: Any) -> str:
    result = env.call(name, args, "user")
    assert not result.error, result.content
    return result.content


def agent(env: TelecomEnvironment, name: str, **args: Any) -> str:
    return env.call(name, args, "assistant").content


def fn(env: TelecomEnvironment, side: str, name: str, **args: Any) -> Any:
    return env.run_function(EnvFunctionCall(env_type=side, func_name=name, arguments=args))  # type: ignore[arg-type]


def test_speed_depends_on_network_mode_and_data_saver(env: TelecomEnvironment) -> None:
    # The stored state says 5G with a good signal (no search yet): 275 Mbps midpoint × 0.8.
    assert user(env, "run_speed_test").startswith("Speed Test Result: 220.00 Mbps (Excellent).")
    user(env, "set_network_mode_preference", mode="4g_only")
    assert "44.00 Mbps (Good)" in user(env, "run_speed_test")
    user(env, "set_network_mode_preference", mode="2g_only")
    assert "0.05 Mbps (Very Poor)" in user(env, "run_speed_test")
    assert user(env, "can_send_mms") == "Your messaging app cannot send MMS messages."  # 2G: no MMS
    refused = user(env, "set_network_mode_preference", mode="6g")
    assert refused.startswith("Failed to set network mode: '6g' is not a valid option.")
    user(env, "set_network_mode_preference", mode="4g_5g_preferred")
    user(env, "toggle_data_saver_mode")
    assert "55.00 Mbps (Good)" in user(env, "run_speed_test")  # the search found excellent 5G: 275 × 0.2
    assert "🔋 55%" in user(env, "check_status_bar")


def test_roaming_abroad_needs_phone_and_line(env: TelecomEnvironment) -> None:
    fn(env, "user", "set_user_location", abroad=True)
    assert fn(env, "user", "assert_mobile_data_status", expected_status=True) is False
    user(env, "toggle_roaming")
    assert user(env, "run_speed_test") == "Speed test failed: No Connection."  # line has no roaming
    assert agent(env, "enable_roaming", customer_id="C1", line_id="L1") == "Roaming enabled successfully"
    assert fn(env, "user", "assert_mobile_data_status", expected_status=True) is True


def test_data_allowance_and_refuel(env: TelecomEnvironment) -> None:
    fn(env, "assistant", "set_data_usage", customer_id="C1", line_id="L1", data_used_gb=6.0)
    assert fn(env, "user", "assert_mobile_data_usage_exceeded", expected_status=True) is True
    out = json.loads(agent(env, "refuel_data", customer_id="C1", line_id="L1", gb_amount=2.0))
    assert out == {
        "message": "Successfully added 2.0 GB of data for line L1 for $4.00",
        "new_data_refueling_gb": "2.0",
        "charge": "4.0",
    }
    assert fn(env, "user", "assert_mobile_data_status", expected_status=True) is True
    assert fn(
        env, "assistant", "assert_data_refueling_amount", customer_id="C1", line_id="L1", expected_amount=2.0
    )
    bill = json.loads(agent(env, "get_details_by_id", id="B1"))
    assert (
        bill["total_due"] == 4.0
        and bill["line_items"][0]["description"] == "Data refueling: 2.0 GB at $2.0/GB"
    )


def test_overdue_bill_payment_and_resume(env: TelecomEnvironment) -> None:
    fn(
        env,
        "assistant",
        "suspend_line_for_overdue_bill",
        customer_id="C1",
        line_id="L1",
        new_bill_id="B9",
        contract_ended=False,
    )
    fn(env, "user", "simulate_network_search")
    assert fn(env, "user", "assert_service_status", expected_status="no_service") is True
    assert fn(env, "assistant", "assert_no_overdue_bill", overdue_bill_id="B9") is False
    assert user(env, "check_payment_request") == "No payment request has been made."
    assert agent(env, "send_payment_request", customer_id="C1", bill_id="B9") == (
        "Payment request sent to the customer for bill B9"
    )
    assert agent(env, "send_payment_request", customer_id="C1", bill_id="B1") == (
        "Error: A bill is already awaiting payment for this customer"
    )
    assert user(env, "check_payment_request") == "You have a payment request for bill B9 of 40.0 USD."
    assert user(env, "make_payment") == "Payment of 40.0 USD has been made for bill B9."
    assert fn(env, "assistant", "assert_no_overdue_bill", overdue_bill_id="B9") is True
    assert json.loads(agent(env, "resume_line", customer_id="C1", line_id="L1"))["line"]["status"] == "Active"
    assert fn(env, "user", "assert_service_status", expected_status="no_service") is True  # until a search
    user(env, "reboot_device")
    assert fn(env, "user", "assert_service_status", expected_status="connected") is True


def test_apn_breakers_and_their_fix(env: TelecomEnvironment) -> None:
    fn(env, "user", "break_apn_settings")
    fn(env, "user", "break_apn_mms_setting")
    assert "Current APN Name: broken\nMMSC URL (for picture messages): Not Set" in user(
        env, "check_apn_settings"
    )
    assert fn(env, "user", "assert_can_send_mms", expected_status=True) is False
    user(env, "reset_apn_settings")
    assert fn(env, "user", "assert_service_status", expected_status="connected") is False  # applies at reboot
    assert user(env, "reboot_device").startswith("Resetting APN settings...\nRestarting network services...")
    assert fn(env, "user", "assert_can_send_mms", expected_status=True) is True


def test_vpn_and_permissions(env: TelecomEnvironment) -> None:
    fn(env, "user", "break_vpn")
    assert "(Fair)" in user(env, "run_speed_test")  # 275 Mbps × 0.1
    assert "<PerformanceLevel.POOR: 'poor'>" in user(env, "check_vpn_status")
    user(env, "disconnect_vpn")
    assert "(Excellent)" in user(env, "run_speed_test")
    fn(env, "user", "remove_app_permission", app_name="messaging", permission="storage")
    assert (
        user(env, "check_app_permissions", app_name="messaging")
        == "App 'messaging' has permission for: sms, phone."
    )
    assert user(env, "grant_app_permission", app_name="messaging", permission="camera").startswith(
        "Error. Permission 'camera' not tracked"
    )
    assert user(env, "grant_app_permission", app_name="messaging", permission="Storage").startswith(
        "Success."
    )
    assert fn(env, "user", "assert_can_send_mms", expected_status=True) is True


def test_agent_tool_errors_and_output_format(env: TelecomEnvironment) -> None:
    assert agent(env, "get_customer_by_id", customer_id="C9") == "Error: Customer with ID C9 not found"
    assert agent(env, "get_details_by_id", id="X1") == "Error: Unknown ID format or type: X1"
    assert (
        agent(env, "resume_line", customer_id="C1", line_id="L1") == "Error: Line must be suspended to resume"
    )
    assert agent(env, "refuel_data", customer_id="C1", line_id="L1", gb_amount=-1.0) == (
        "Error: Refuel amount must be positive"
    )
    assert (
        agent(env, "get_data_usage", customer_id="C1", line_id="L2")
        == "Error: Line L2 not found for customer C1"
    )
    assert env.call("toggle_airplane_mode", {}, "assistant").error  # a user tool is not the agent's
    customer = json.loads(agent(env, "get_customer_by_phone", phone_number="555-000-0001"))
    assert customer["created_at"] == "2025-01-15 10:30:00" and customer["last_extension_date"] is None
    usage = json.loads(agent(env, "get_data_usage", customer_id="C1", line_id="L1"))
    assert usage == {
        "line_id": "L1",
        "data_used_gb": "1.5",
        "data_limit_gb": "5.0",
        "data_refueling_gb": "0.0",
        "cycle_end_date": "2025-02-28",
    }


def test_bad_toml_names_file_and_record(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"db\.toml: invalid TOML"):
        load_telecom(_write_domain(tmp_path / "a", db="[[plans]\n"))
    bad_field = DB_TOML.replace('model = "Phone"', 'model = "Phone"\ncolour = "red"')
    with pytest.raises(DataError, match=r"\[\[devices\]\] #0 \('D1'\): unknown field\(s\) \['colour'\]"):
        load_telecom(_write_domain(tmp_path / "b", db=bad_field))
    missing = DB_TOML.replace('plan_id = "P1"\nname = "Basic"', 'plan_id = "P1"')
    with pytest.raises(DataError, match=r"\[\[plans\]\] #0 \('P1'\): missing field 'name'"):
        load_telecom(_write_domain(tmp_path / "c", db=missing))
