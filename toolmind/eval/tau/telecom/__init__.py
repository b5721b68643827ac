"""τ²-bench telecom: a dual-control domain where the agent works on the account and the user on the phone.

- `records`: `db.toml` / `user_db.toml` → the harness's table layout, with upstream defaults.
- `tools` / `checks`: agent tools, and the account-side set-up and assertion functions.
- `device` / `user_tools` / `setup`: the phone simulation, the user's tools, and the phone-side set-up
  (breakers) and assertion functions.
- `domain`: `load_telecom`, `TelecomDomain` and `TelecomEnvironment` (phone ↔ account synchronisation).
- `oracle`: replay of every task's gold agent and user actions, graded, with explained failures.
"""

from toolmind.eval.tau.telecom.domain import TelecomDomain, TelecomEnvironment, load_telecom

__all__ = ["TelecomDomain", "TelecomEnvironment", "load_telecom"]
