"""Phone-side functions the telecom tasks run outside the conversation: set-up that places the user and
breaks the phone (`initialization_actions` with `env_type: user`), and end-state assertions
(`env_assertions`). The user simulator cannot call them; each breaker names the tool that repairs it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from toolmind.eval.tau.telecom.device import Phone

NETWORK_STATUSES = ("connected", "searching", "no_service", "emergency_only")


class PhoneFunctions:
    """Set-up and assertion functions bound to one episode's phone."""

    def __init__(self, phone: Phone) -> None:
        self.phone = phone
        self.d = phone.device
        self.s = phone.surroundings

    # ---- who and where ----------------------------------------------------------------------------
    def set_user_info(self, name: str, phone_number: str) -> None:
        self.s.update(name=name, phone_number=phone_number)

    def set_user_location(self, abroad: bool) -> None:
        self.s["is_abroad"] = abroad

    def simulate_network_search(self) -> None:
        self.phone.network_search()

    # ---- switches (set to a value by toggling, as upstream does: each toggle has its side effects) ---
    def _set(self, setting: str, value: bool, search: bool) -> None:
        if bool(self.d[setting]) != value:
            self.phone.toggle(setting, search)
        elif search:
            # Upstream toggles twice in this case; the net effect is two network searches.
            self.phone.network_search()

    def turn_airplane_mode_on(self) -> str:
        if not self.phone.toggle_airplane_mode():
            self.phone.toggle_airplane_mode()
        return "Airplane Mode is now ON."

    def turn_airplane_mode_off(self) -> str:
        if self.phone.toggle_airplane_mode():
            self.phone.toggle_airplane_mode()
        return "Airplane Mode is now OFF."

    def turn_data_on(self) -> str:
        self.d["data_enabled"] = True  # no network search, as upstream
        return "Data connection restored."

    def turn_data_off(self) -> str:
        self._set("data_enabled", False, search=True)
        return "Data connection broken."

    def turn_roaming_on(self) -> str:
        self._set("roaming_enabled", True, search=True)
        return "Data Roaming is now ON."

    def turn_roaming_off(self) -> str:
        self._set("roaming_enabled", False, search=True)
        return "Data Roaming is now OFF."

    def turn_data_saver_mode_on(self) -> str:
        self._set("data_saver_mode", True, search=False)
        return "Data Saver Mode is now ON."

    def turn_data_saver_mode_off(self) -> str:
        self._set("data_saver_mode", False, search=False)
        return "Data Saver Mode is now OFF."

    def set_wifi_calling(self, enabled: bool, mms_over_wifi: bool | None = None) -> str:
        self.d["wifi_calling_enabled"] = enabled
        msg = f"Wi-Fi Calling is now {'ON' if enabled else 'OFF'}."
        if mms_over_wifi is not None:
            self.d["wifi_calling_mms_over_wifi"] = mms_over_wifi
            msg += f"\nMMS over Wi-Fi is now {'ON' if mms_over_wifi else 'OFF'}."
        return msg

    # ---- breakers ---------------------------------------------------------------------------------
    def unseat_sim_card(self) -> str:
        """Remove the SIM (fixed by `reseat_sim_card`)."""
        self.d["sim_card_missing"] = True
        self.phone.network_search()
        return "SIM card un-seated successfully."

    def lock_sim_card(self, mode: str) -> str:
        """Lock the SIM with a PIN or PUK (no tool fixes it: the agent must transfer)."""
        if mode not in ("pin", "puk"):
            raise ValueError(f"lock_sim_card: mode must be 'pin' or 'puk', got {mode!r}")
        self.d["sim_card_status"] = f"locked_{mode}"
        self.phone.network_search()
        return f"SIM card locked successfully in {mode} mode."

    def break_apn_settings(self) -> str:
        """Break the data APN, so there is no service (fixed by `reset_apn_settings` + reboot)."""
        self.d["active_apn_settings"]["apn_name"] = "broken"
        self.phone.network_search()
        return "APN settings broken. Please call reset_apn_settings() to fix."

    def break_apn_mms_setting(self) -> str:
        """Clear the MMSC URL, so MMS fails (fixed by `reset_apn_settings` + reboot)."""
        self.d["active_apn_settings"]["mmsc_url"] = None
        return "APN MMS setting broken. Please call reset_apn_settings() to fix."

    def break_vpn(self) -> str:
        """Connect a VPN with poor performance, so data is slow (fixed by `disconnect_vpn`)."""
        self.phone.connect_vpn()
        self.phone.vpn_performance = "poor"
        self.d["vpn_details"]["server_performance"] = "poor"
        return "VPN connection broken."

    def remove_app_permission(self, app_name: str, permission: str) -> tuple[bool, str]:
        app = self.d["app_statuses"].get(app_name)
        permission = permission.lower()
        if app is None:
            return False, f"App '{app_name}' not found. Cannot remove permission."
        if permission not in app["permissions"]:
            return False, f"Permission '{permission}' not tracked for app '{app_name}'."
        app["permissions"][permission] = False
        return True, f"Permission '{permission}' removed from app '{app_name}'."

    # ---- assertions -------------------------------------------------------------------------------
    def assert_airplane_mode_status(self, expected_status: bool) -> bool:
        return bool(self.d["airplane_mode"]) == expected_status

    def assert_service_status(self, expected_status: str) -> bool:
        if expected_status not in NETWORK_STATUSES:
            raise ValueError(f"assert_service_status: {expected_status!r} is not one of {NETWORK_STATUSES}")
        return bool(self.d["network_connection_status"] == expected_status)

    def assert_mobile_data_status(self, expected_status: bool) -> bool:
        return self.phone.mobile_data_working() == expected_status

    def assert_mobile_roaming_status(self, expected_status: bool) -> bool:
        return bool(self.d["roaming_enabled"]) == expected_status

    def assert_mobile_data_saver_mode_status(self, expected_status: bool) -> bool:
        return bool(self.d["data_saver_mode"]) == expected_status

    def assert_internet_speed(self, expected_speed: float, expected_desc: str | None = None) -> bool:
        speed, desc = self.phone.speed_test()
        fast_enough = (speed or 0.0) >= expected_speed
        return fast_enough if expected_desc is None else fast_enough and desc.lower() == expected_desc.lower()

    def assert_internet_not_excellent(self) -> bool:
        return self.phone.speed_test()[1].lower() != "excellent"

    def assert_can_send_mms(self, expected_status: bool) -> bool:
        return self.phone.can_send_mms() == expected_status

    def assert_mobile_data_usage_exceeded(self, expected_status: bool) -> bool:
        return bool(self.s["mobile_data_usage_exceeded"]) == expected_status


_NAMES = [name for name in vars(PhoneFunctions) if not name.startswith("_")]


def user_functions(phone: Phone) -> dict[str, Callable[..., Any]]:
    """The phone-side set-up and assertion functions, bound to one episode's phone."""
    funcs = PhoneFunctions(phone)
    return {name: getattr(funcs, name) for name in _NAMES}
