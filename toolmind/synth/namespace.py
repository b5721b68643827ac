"""Namespaced tool names ("travel.search_flights"), as many real tool catalogues (and BFCL) spell them.

The default pool's names are bare snake_case; a model trained only on those learns to drop a namespace
it meets at inference ("lawyer.search" called as "search"). `namespace_tools` renames every tool of a
finished trajectory to `<domain>.<name>` consistently: the tool list, the assistant's calls, the tool
results' names and the assistant's own mentions of the names in its reasoning and replies. User turns
never contain tool names, so they are left as written. The choice is a function of (seed, trajectory id).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from toolmind.schema import Trajectory


def chosen(seed: int, trajectory_id: str, share: float, salt: str = "namespace") -> bool:
    """Whether this trajectory is namespaced: a stable draw in [0, 1) below `share`. Other per-trajectory
    rewrites (`rename`) pass their own `salt`, so that their draws are independent of this one."""
    if share <= 0:
        return False
    digest = hashlib.blake2b(f"{salt}|{seed}|{trajectory_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < share


def name_pattern(names: Iterable[str]) -> re.Pattern[str]:
    """Whole identifiers among `names` in free text, longest first, not inside another identifier or an
    already dotted name."""
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(r"(?<![\w.])(" + alternatives + r")(?![\w])")


def namespace_tools(trajectory: Trajectory, domains: dict[str, str]) -> Trajectory:
    """A copy of `trajectory` with each tool that has a domain renamed `<domain>.<name>`."""
    names = {
        t.function.name: f"{domains[t.function.name]}.{t.function.name}"
        for t in trajectory.tools
        if t.function.name in domains
    }
    if not names:
        return trajectory
    pattern = name_pattern(names)

    def rename_text(text: str | None) -> str | None:
        return pattern.sub(lambda m: names[m.group(1)], text) if text else text

    data = trajectory.model_copy(deep=True)
    for tool in data.tools:
        tool.function.name = names.get(tool.function.name, tool.function.name)
    for message in data.messages:
        if message.role == "assistant":
            message.reasoning_content = rename_text(message.reasoning_content)
            message.content = rename_text(message.content) or message.content
            for call in message.tool_calls or []:
                call.function.name = names.get(call.function.name, call.function.name)
        elif message.role == "tool" and message.name:
            message.name = names.get(message.name, message.name)
    situations = data.meta.get("situations")
    if isinstance(situations, list):
        situations.append("namespaced")
    data.meta = {**data.meta, "namespaced": True}
    return data
