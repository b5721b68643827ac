"""τ² telecom, user side: the tools the user simulator calls on their own phone.

Each tool returns the text the user sees (most state changes end with the refreshed status bar), as the
benchmark's do; none of them fails with a tool error except on bad arguments: refusals such as an unknown
app or network mode come back as ordinary text, like upstream's. Set-up functions that break the phone
for a task, and the end-state assertions, live in `toolmind.eval.tau.telecom.setup`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypedDict

from toolmind.eval.tau.db import EpisodeDB
from toolmind.eval.tau.telecom.device import NETWORK_MODES, Phone
from toolmind.eval.tau.telecom.records import DEFAULT_APN, PERMISSIONS
from toolmind.eval.tau.toolkit import ToolError, Toolkit, tool


class APNSettings(TypedDict, total=False):
    """APN settings (omitted fields take their defaults).

    Attributes:
        apn_name: The name identifier for the APN connection ('internet' or 'broken').
        reset_at_reboot: Whether the APN settings will be reset at the next reboot.
        mms_apn: Specific APN name used for MMS traffic, if different from general data.
        mmsc_url: The URL of the Multimedia Messaging Service Center (MMSC). Crucial for MMS.
        mms_proxy: The proxy server address required for MMS traffic on some networks.
        mms_port: The proxy server port required for MMS traffic on some networks.
    """

    apn_name: Literal["internet", "broken"]
    reset_at_reboot: bool
    mms_apn: str
    mmsc_url: str
    mms_proxy: str
    mms_port: int


_SPEED_ADVICE = {
    "Very Poor": "Connection is very slow. Basic web browsing might be difficult.",
    "Poor": "Connection is slow. Web browsing may be sluggish, streaming difficult.",
    "Fair": "Connection is okay for web browsing and some standard definition streaming.",
    "Good": "Connection is good for most activities, including HD streaming.",
    "Excellent": "Connection is very fast.",
}
_SIM_TEXT = {
    "active": "Your SIM card is active and working.",
    "missing": "No SIM card detected in the phone.",
    "locked_pin": "The SIM card is locked with a PIN code.",
    "locked_puk": "The SIM card is locked with a PUK code.",
}


def _on(flag: bool) -> str:
    return "ON" if flag else "OFF"


def _vpn_repr(details: dict[str, Any]) -> str:
    """The VPN details as upstream prints them: the repr of a pydantic dump (performance is an enum member)."""
    perf = details["server_performance"]
    items = [f"{k!r}: {v!r}" for k, v in details.items() if k != "server_performance"]
    items.append(f"'server_performance': <PerformanceLevel.{perf.upper()}: {perf!r}>")
    return "{" + ", ".join(items) + "}"


def _granted(perms: dict[str, bool]) -> list[str]:
    return [name.replace("_", " ").lower() for name, allowed in perms.items() if allowed]


class TelecomUserTools(Toolkit):
    """The user's phone tools; `db` is the account database (read by `sync`), `user_db` the phone."""

    def __init__(self, db: EpisodeDB, user_db: EpisodeDB) -> None:
        self.db = db
        self.user_db = user_db
        self.phone = Phone(user_db)
        super().__init__()

    def _bar(self, text: str) -> str:
        return f"{text}\nStatus Bar: {self.phone.status_bar()}"

    # ---- status -----------------------------------------------------------------------------------
    @tool("read")
    def check_status_bar(self) -> str:
        """Shows what icons are currently visible in your phone's status bar (the area at the top of the screen). Displays network signal strength, mobile data status (enabled, disabled, data saver), Wi-Fi status, and battery level."""
        return f"Status Bar: {self.phone.status_bar()}"

    @tool("read")
    def check_network_status(self) -> str:
        """Checks your phone's connection status to cellular networks and Wi-Fi. Shows airplane mode status, signal strength, network type, whether mobile data is enabled, and whether data roaming is enabled."""
        d = self.phone.device
        lines = [
            f"Airplane Mode: {_on(d['airplane_mode'])}",
            f"SIM Card Status: {self.phone.sim_status()}",
            f"Cellular Connection: {d['network_connection_status']}",
            f"Cellular Signal: {d['network_signal_strength']}",
            f"Cellular Network Type: {d['network_technology_connected']}",
            f"Mobile Data Enabled: {'Yes' if d['data_enabled'] else 'No'}",
            f"Data Roaming Enabled: {'Yes' if d['roaming_enabled'] else 'No'}",
            f"Wi-Fi Radio: {_on(d['wifi_enabled'])}",
            f"Wi-Fi Connected: {'Yes' if d['wifi_connected'] else 'No'}",
        ]
        if d["wifi_connected"]:
            lines.append(f"Connected Wi-Fi Network: {d['wifi_ssid']}")
        return "\n".join(lines)

    @tool("read")
    def check_network_mode_preference(self) -> str:
        """Shows the current network mode preference."""
        return f"Network Mode Preference: {self.phone.device['network_mode_preference']}"

    @tool("write")
    def set_network_mode_preference(self, mode: str) -> str:
        """Changes the type of cellular network your phone prefers to connect to (e.g., 5G, LTE/4G, 3G). Higher-speed networks (LTE/5G) provide faster data but may use more battery.

        Args:
            mode: One of '4g_5g_preferred', '4g_only', '3g_only', '2g_only'.
        """
        if not self.phone.set_network_mode(mode):
            return self._bar(
                f"Failed to set network mode: '{mode}' is not a valid option. "
                f"Please use one of: {', '.join(NETWORK_MODES)}"
            )
        return self._bar(f"Preferred Network Mode set to: {mode}")

    @tool("read")
    def run_speed_test(self) -> str:
        """Measures your current internet connection speed (download speed). Provides information about connection quality and what activities it can support."""
        speed, desc = self.phone.speed_test()
        if speed is None:
            return f"Speed test failed: {desc or 'Could not determine speed'}."
        return f"Speed Test Result: {speed:.2f} Mbps ({desc}). {_SPEED_ADVICE.get(desc, '')}"

    # ---- radios and data --------------------------------------------------------------------------
    @tool("write")
    def toggle_airplane_mode(self) -> str:
        """Toggles Airplane Mode ON or OFF. When ON, it disconnects all wireless communications including cellular, Wi-Fi, and Bluetooth."""
        return self._bar(f"Airplane Mode is now {_on(self.phone.toggle_airplane_mode())}.")

    @tool("read")
    def check_sim_status(self) -> str:
        """Checks if your SIM card is working correctly and displays its current status. Shows if the SIM is active, missing, or locked with a PIN or PUK code."""
        status = self.phone.sim_status()
        return _SIM_TEXT.get(status, f"Unknown SIM status: {status}")

    @tool("write")
    def reseat_sim_card(self) -> str:
        """Simulates removing and reinserting your SIM card. This can help resolve recognition issues."""
        self.phone.device["sim_card_missing"] = False
        self.phone.network_search()
        return self._bar("SIM card re-seated successfully.")

    @tool("write")
    def toggle_data(self) -> str:
        """Toggles your phone's mobile data connection ON or OFF. Controls whether your phone can use cellular data for internet access when Wi-Fi is unavailable."""
        return self._bar(f"Mobile Data is now {_on(self.phone.toggle('data_enabled', search=True))}.")

    @tool("write")
    def toggle_roaming(self) -> str:
        """Toggles Data Roaming ON or OFF. When ON, your phone can use data networks in areas outside your carrier's coverage."""
        return self._bar(f"Data Roaming is now {_on(self.phone.toggle('roaming_enabled', search=True))}.")

    @tool("read")
    def check_data_restriction_status(self) -> str:
        """Checks if your phone has any data-limiting features active. Shows if Data Saver mode is on."""
        if self.phone.device["data_saver_mode"]:
            return "Data Saver mode is ON (limits data usage)."
        return "Data Saver mode is OFF."

    @tool("write")
    def toggle_data_saver_mode(self) -> str:
        """Toggles Data Saver mode ON or OFF. When ON, it reduces data usage, which may affect data speed."""
        return self._bar(f"Data Saver Mode is now {_on(self.phone.toggle('data_saver_mode', search=False))}.")

    # ---- APN --------------------------------------------------------------------------------------
    @tool("read")
    def check_apn_settings(self) -> str:
        """Checks the technical APN settings your phone uses to connect to your carrier's mobile data network. Shows current APN name and MMSC URL for picture messaging."""
        apn = self.phone.device["active_apn_settings"]
        return (
            f"Current APN Name: {apn['apn_name'] or 'Not Set'}\n"
            f"MMSC URL (for picture messages): {apn['mmsc_url'] or 'Not Set'}\n"
            "(These are technical settings, usually best left unchanged.)"
        )

    @tool("write")
    def set_apn_settings(self, apn_settings: APNSettings) -> str:
        """Sets the APN settings for the phone.

        Args:
            apn_settings: The new APN settings.
        """
        extra = sorted(set(apn_settings) - set(DEFAULT_APN))
        if extra:
            raise ToolError(f"APN settings: extra fields not permitted: {extra}")
        self.phone.device["active_apn_settings"] = {**DEFAULT_APN, **apn_settings}
        self.phone.network_search()
        return self._bar(f"APN settings set to: {self.phone.device['active_apn_settings']['apn_name']}")

    @tool("write")
    def reset_apn_settings(self) -> str:
        """Resets your APN settings to the default settings."""
        self.phone.device["active_apn_settings"]["reset_at_reboot"] = True
        self.phone.network_search()
        return self._bar("APN settings will reset at reboot.")

    # ---- Wi-Fi and Wi-Fi calling ------------------------------------------------------------------
    @tool("read")
    def check_wifi_status(self) -> str:
        """Checks your Wi-Fi connection status. Shows if Wi-Fi is turned on, which network you're connected to (if any), and the signal strength."""
        d = self.phone.device
        if not d["wifi_enabled"]:
            return "Wi-Fi is turned OFF."
        if d["wifi_connected"]:
            return f"Wi-Fi is ON and connected to '{d['wifi_ssid']}'. Signal strength: {d['wifi_signal_strength']}."
        return "Wi-Fi is ON but not connected to any network."

    @tool("write")
    def toggle_wifi(self) -> str:
        """Toggles your phone's Wi-Fi radio ON or OFF. Controls whether your phone can discover and connect to wireless networks for internet access."""
        d = self.phone.device
        if d["airplane_mode"]:
            return self._bar("Cannot change Wi-Fi settings while Airplane Mode is ON.")
        d["wifi_enabled"] = not d["wifi_enabled"]
        if not d["wifi_enabled"]:
            d.update(wifi_connected=False, wifi_ssid=None, wifi_signal_strength="none")
        return self._bar(f"Wi-Fi is now {_on(d['wifi_enabled'])}.")

    @tool("read")
    def check_wifi_calling_status(self) -> str:
        """Checks if Wi-Fi Calling is enabled on your device. This feature allows you to make and receive calls over a Wi-Fi network instead of using the cellular network."""
        return f"Wi-Fi Calling is currently turned {_on(self.phone.device['wifi_calling_enabled'])}."

    @tool("write")
    def toggle_wifi_calling(self) -> str:
        """Toggles Wi-Fi Calling ON or OFF. This feature allows you to make and receive calls over Wi-Fi instead of the cellular network, which can help in areas with weak cellular signal."""
        return self._bar(
            f"Wi-Fi Calling is now {_on(self.phone.toggle('wifi_calling_enabled', search=False))}."
        )

    # ---- VPN --------------------------------------------------------------------------------------
    @tool("read")
    def check_vpn_status(self) -> str:
        """Checks if you're using a VPN (Virtual Private Network) connection. Shows if a VPN is active, connected, and displays any available connection details."""
        d = self.phone.device
        if d["vpn_connected"]:
            details = d["vpn_details"]
            if details:
                return f"VPN is ON and connected. Details: {_vpn_repr(details)}"
            return "VPN is ON and connected (no specific details available)."
        if d["vpn_enabled_setting"]:
            return "VPN is turned ON in settings, but currently not connected."
        return "VPN is turned OFF."

    @tool("write")
    def connect_vpn(self) -> str:
        """Connects to your VPN (Virtual Private Network)."""
        if not self.phone.connect_vpn():
            return "VPN already connected."
        return self._bar("VPN connected successfully.")

    @tool("write")
    def disconnect_vpn(self) -> str:
        """Disconnects any active VPN (Virtual Private Network) connection. Stops routing your internet traffic through a VPN server, which might affect connection speed or access to content."""
        done = self.phone.disconnect_vpn()
        return self._bar(
            "VPN disconnected successfully." if done else "No active VPN connection to disconnect."
        )

    # ---- apps -------------------------------------------------------------------------------------
    @tool("read")
    def check_installed_apps(self) -> str:
        """Returns the name of all installed apps on the phone."""
        return (
            f"The following apps are installed on the phone: {', '.join(self.phone.device['app_statuses'])}"
        )

    @tool("read")
    def check_app_status(self, app_name: str) -> str:
        """Checks detailed information about a specific app. Shows its permissions and background data usage settings.

        Args:
            app_name: The name of the app.
        """
        app = self.phone.device["app_statuses"].get(app_name)
        if app is None:
            return f"App '{app_name}' not found on this phone."
        granted = _granted(app["permissions"])
        lines = [f"Status for App: {app_name}"]
        if not granted:
            lines.append(" - Permissions: None granted.")
        else:
            lines.append(" - Permissions Granted:")
            lines += [f"   - {p}" for p in granted]
        return "\n".join(lines)

    @tool("read")
    def check_app_permissions(self, app_name: str) -> str:
        """Checks what permissions a specific app currently has. Shows if the app has access to features like storage, camera, location, etc.

        Args:
            app_name: The name of the app.
        """
        app = self.phone.device["app_statuses"].get(app_name)
        if app is None:
            return f"App '{app_name}' not found on this phone."
        granted = _granted(app["permissions"])
        if not granted:
            return f"App '{app_name}' currently has no permissions granted."
        return f"App '{app_name}' has permission for: {', '.join(granted)}."

    @tool("write")
    def grant_app_permission(self, app_name: str, permission: str) -> str:
        """Gives a specific permission to an app (like access to storage, camera, or location). Required for some app functions to work properly.

        Args:
            app_name: The name of the app to grant the permission to.
            permission: The permission to grant, should be lowercase.
        """
        app = self.phone.device["app_statuses"].get(app_name)
        permission = permission.lower()
        if app is None:
            message = f"Error. App '{app_name}' not found. Cannot grant permission."
        elif permission not in app["permissions"]:
            message = (
                f"Error. Permission '{permission}' not tracked for app '{app_name}', "
                f"available permissions: {list(PERMISSIONS)}"
            )
        else:
            app["permissions"][permission] = True
            message = f"Success. Permission '{permission}' granted to app '{app_name}'."
        return self._bar(message)

    @tool("read")
    def can_send_mms(self) -> str:
        """Checks if the default messaging app can send MMS messages."""
        if self.phone.can_send_mms():
            return "Your messaging app can send MMS messages."
        return "Your messaging app cannot send MMS messages."

    # ---- device and payment -----------------------------------------------------------------------
    @tool("write")
    def reboot_device(self) -> str:
        """Restarts your phone completely. This can help resolve many temporary software glitches by refreshing all running services and connections."""
        return self._bar("\n".join(self.phone.reboot()))

    @tool("read")
    def check_payment_request(self) -> str:
        """Checks if the agent has sent you a payment request."""
        req = self.phone.surroundings["payment_request"]
        if req is None:
            return "No payment request has been made."
        return f"You have a payment request for bill {req['bill_id']} of {req['amount_due']} USD."

    @tool("write")
    def make_payment(self) -> str:
        """Makes a payment for the bill that the agent has sent you."""
        req = self.phone.surroundings["payment_request"]
        if req is None:
            return "You do not have a payment request."
        req["paid"] = True
        return f"Payment of {req['amount_due']} USD has been made for bill {req['bill_id']}."

    # ---- benchmark functions ----------------------------------------------------------------------
    def env_functions(self) -> dict[str, Callable[..., Any]]:
        """Functions the tasks run on the phone: every tool, set-up (breakers) and assertions."""
        from toolmind.eval.tau.telecom import setup

        funcs: dict[str, Callable[..., Any]] = {name: getattr(self, name) for name in self.names}
        funcs.update(setup.user_functions(self.phone))
        return funcs
