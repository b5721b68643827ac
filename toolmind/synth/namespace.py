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

from toolmind.schema import Trajectory


def chosen(seed: int, trajectory_id: str, share: float) -> bool:
    """Whether this trajectory is namespaced: a stable draw in [0, 1) below `share`."""
    if share <= 0:
        return False
    digest = hashlib.blake2b(f"namespace|{seed}|{trajectory_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < share


def namespace_tools(trajectory: Trajectory, domains: dict[str, str]) -> Trajectory:
    """A copy of `trajectory` with each tool that has a domain renamed `<domain>.<name>`."""
    names = {
        t.function.name: f"{domains[t.function.name]}.{t.function.name}"
        for t in trajectory.tools
        if t.function.name in domains
    }
    if not names:
        return trajectory
    # Longest first, and only whole names (not inside another identifier or an already dotted name).
    pattern = re.compile(
        r"(?<![\w.])(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")(?![\w])"
    )

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
