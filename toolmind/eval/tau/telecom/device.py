"""The simulated phone of the telecom domain: how settings turn into service, data, speed and MMS.

`Phone` wraps one episode's user database (records `device` and `surroundings` of table `user`) and
implements the device physics the benchmark defines (tau2-bench a2c0247): a network search connects
according to the SIM, the preferred network mode and the signal the surroundings offer, and is cut by
airplane mode, a broken APN or an inactive line; mobile data needs service, roaming when abroad, the data
switch and remaining allowance; the speed test is the midpoint of the technology's range times the signal
factor (VPN with poor performance ×0.1, data saver ×0.2); MMS also needs ≥3G, no Wi-Fi-calling MMS, an MMSC
URL and the messaging app's SMS and storage permissions.
"""

from __future__ import annotations

from typing import Any

from toolmind.eval.tau.db import EpisodeDB
from toolmind.eval.tau.telecom.records import DEFAULT_APN, USER_TABLE

NETWORK_MODES = ("4g_5g_preferred", "4g_only", "3g_only", "2g_only")
_MODE_TECH = {"4g_only": "4G", "3g_only": "3G", "2g_only": "2G"}
_TECH_SPEED = {
    "2G": (0.1, 0.4),
    "3G": (1.0, 5.0),
    "4G": (10.0, 100.0),
    "5G": (50.0, 500.0),
    "none": (0.0, 0.0),
}
_SIGNAL_FACTOR = {"poor": 0.2, "fair": 0.5, "good": 0.8, "excellent": 1.0, "none": 0.0}
_SIGNAL_ICON = {
    "none": "📵 No Signal",
    "poor": "📶¹ Poor",
    "fair": "📶² Fair",
    "good": "📶³ Good",
    "excellent": "📶⁴ Excellent",
}
DEFAULT_VPN = {"server_address": "192.168.1.1", "protocol": "OpenVPN", "server_performance": "excellent"}


class Phone:
    """One episode's phone state and the rules that derive connectivity from it."""

    def __init__(self, user_db: EpisodeDB) -> None:
        self.device: dict[str, Any] = user_db.mut(USER_TABLE, "device")
        self.surroundings: dict[str, Any] = user_db.mut(USER_TABLE, "surroundings")
        # Performance of the VPN server `connect_vpn` connects to. Upstream shares one default VPN object,
        # which `break_vpn` degrades in place: once broken, every later connection is poor too.
        self.vpn_performance = "excellent"

    # ---- derived state ----------------------------------------------------------------------------
    def sim_status(self) -> str:
        """`active`, `missing`, `locked_pin` or `locked_puk`."""
        return "missing" if self.device["sim_card_missing"] else str(self.device["sim_card_status"])

    def _no_service(self) -> None:
        self.device.update(
            network_connection_status="no_service",
            network_technology_connected="none",
            network_signal_strength="none",
        )

    def network_search(self) -> None:
        """Re-evaluate the cellular connection (upstream `simulate_network_search`)."""
        d, signal = self.device, self.surroundings["signal_strength"]
        if self.sim_status() == "active":
            d["network_connection_status"] = "connected"
            pref = d["network_mode_preference"]
            tech = _MODE_TECH.get(pref, "4G")
            if pref == "4g_5g_preferred" and signal.get("5G", "none") != "none":
                tech = "5G"
            d["network_technology_connected"] = tech
            d["network_signal_strength"] = signal.get(tech, "none")
        else:
            self._no_service()
        if d["airplane_mode"] or d["active_apn_settings"]["apn_name"] == "broken":
            self._no_service()
        if not self.surroundings["line_active"]:
            self._no_service()

    def mobile_data_working(self) -> bool:
        d, s = self.device, self.surroundings
        if d["airplane_mode"] or d["network_signal_strength"] == "none":
            return False
        if d["network_connection_status"] == "no_service":
            return False
        if s["is_abroad"] and (not d["roaming_enabled"] or not s["roaming_allowed"]):
            return False
        return bool(d["data_enabled"]) and not s["mobile_data_usage_exceeded"]

    def speed_test(self) -> tuple[float | None, str]:
        """(Mbps, description); (None, "No Connection") without working mobile data."""
        if not self.mobile_data_working():
            return None, "No Connection"
        d = self.device
        factor = 1.0
        vpn = d["vpn_details"]
        if d["vpn_connected"] and vpn and vpn["server_performance"] == "poor":
            factor = 0.1
        if d["data_saver_mode"]:
            factor *= 0.2
        low, high = _TECH_SPEED.get(d["network_technology_connected"], (0.0, 0.0))
        speed = round((low + high) / 2.0 * _SIGNAL_FACTOR.get(d["network_signal_strength"], 0.0) * factor, 2)
        if speed < 1:
            return speed, "Very Poor"
        if speed < 5:
            return speed, "Poor"
        if speed < 25:
            return speed, "Fair"
        if speed < 100:
            return speed, "Good"
        return speed, "Excellent"

    def can_send_mms(self) -> bool:
        d = self.device
        if not self.mobile_data_working() or d["network_technology_connected"] == "2G":
            return False
        if d["wifi_calling_enabled"] and d["wifi_calling_mms_over_wifi"]:
            return False
        if d["active_apn_settings"]["mmsc_url"] is None:
            return False
        app = d["app_statuses"].get("messaging")
        return app is not None and bool(app["permissions"]["storage"] and app["permissions"]["sms"])

    def status_bar(self) -> str:
        d = self.device
        parts = []
        if d["airplane_mode"]:
            parts.append("✈️ Airplane Mode")
        else:
            parts.append(_SIGNAL_ICON.get(d["network_signal_strength"], "📵 No Signal"))
            tech = d["network_technology_connected"]
            if tech != "none":
                parts.append(tech)
            if d["data_enabled"] and tech != "none":
                parts.append("📱 Data Enabled")
                if d["data_saver_mode"]:
                    parts.append("🔽 Data Saver")
            else:
                parts.append("📵 Data Disabled")
        if d["wifi_enabled"] and d["wifi_connected"]:
            parts.append(f"📡 Connected to {d['wifi_ssid']}" if d["wifi_ssid"] else "📡 Enabled")
        if d["vpn_connected"]:
            parts.append("🔒 VPN Connected")
        parts.append(f"🔋 {d['battery_level']}%")
        return " | ".join(parts)

    # ---- state changes ----------------------------------------------------------------------------
    def toggle_airplane_mode(self) -> bool:
        d = self.device
        was_on = d["airplane_mode"]
        d["airplane_mode"] = not was_on
        if was_on:
            d["network_connection_status"] = "searching"
            if d["wifi_enabled"]:
                d.update(wifi_connected=False, wifi_ssid=None, wifi_signal_strength="none")
        else:
            d.update(wifi_connected=False, wifi_ssid=None, wifi_signal_strength="none")
            self.disconnect_vpn()
        self.network_search()
        return bool(d["airplane_mode"])

    def toggle(self, setting: str, search: bool) -> bool:
        """Flip a boolean device setting; optionally re-run the network search. Returns the new value."""
        self.device[setting] = not self.device[setting]
        if search:
            self.network_search()
        return bool(self.device[setting])

    def set_network_mode(self, mode: str) -> bool:
        if mode not in NETWORK_MODES:
            return False
        self.device["network_mode_preference"] = mode
        self.network_search()
        return True

    def reboot(self) -> list[str]:
        lines = []
        if self.device["active_apn_settings"]["reset_at_reboot"]:
            lines.append("Resetting APN settings...")
            self.device["active_apn_settings"] = dict(DEFAULT_APN)
        lines.append("Restarting network services...")
        self.device["network_connection_status"] = "searching"
        self.network_search()
        return lines

    def connect_vpn(self) -> bool:
        if self.device["vpn_connected"]:
            return False
        self.device.update(
            vpn_connected=True, vpn_details={**DEFAULT_VPN, "server_performance": self.vpn_performance}
        )
        return True

    def disconnect_vpn(self) -> bool:
        if not self.device["vpn_connected"]:
            return False
        self.device.update(vpn_connected=False, vpn_details=None)
        return True
