"""`make_backend`: build the backend a `BackendConfig` names (an explicit name -> builder table)."""

from __future__ import annotations

from collections.abc import Callable

from toolmind.llm.base import LLMBackend
from toolmind.llm.config import BackendConfig
from toolmind.llm.scripted import BUILTIN_POLICIES, Policy, ScriptedBackend


def _litellm(cfg: BackendConfig, policy: Policy | None) -> LLMBackend:
    from toolmind.llm.litellm_backend import LiteLLMBackend

    return LiteLLMBackend(cfg)


def _transformers(cfg: BackendConfig, policy: Policy | None) -> LLMBackend:
    from toolmind.llm.transformers_backend import TransformersBackend

    return TransformersBackend.from_config(cfg)


def _scripted(cfg: BackendConfig, policy: Policy | None) -> LLMBackend:
    if policy is None:
        policy = BUILTIN_POLICIES.get(cfg.model)
        if policy is None:
            raise ValueError(
                f"scripted backend: no policy given and {cfg.model!r} is not a built-in policy "
                f"({', '.join(sorted(BUILTIN_POLICIES))}); pass scripted_policy=..."
            )
    return ScriptedBackend(policy, cfg.model)


BACKENDS: dict[str, Callable[[BackendConfig, Policy | None], LLMBackend]] = {
    "litellm": _litellm,
    "transformers": _transformers,
    "scripted": _scripted,
}


def make_backend(cfg: BackendConfig, *, scripted_policy: Policy | None = None) -> LLMBackend:
    """The backend for `cfg`; `scripted_policy` supplies the behaviour of a scripted backend
    (otherwise `cfg.model` must name a built-in policy)."""
    try:
        builder = BACKENDS[cfg.kind]
    except KeyError:
        raise ValueError(f"unknown backend kind {cfg.kind!r}; choose one of {', '.join(BACKENDS)}") from None
    return builder(cfg, scripted_policy)
