"""`BackendConfig`: every knob of every LLM backend, one documented dataclass (YAML and CLI share it).

A recipe picks a backend with `kind` and names the model with `model`; the remaining fields apply to
the backends that say so in their help text. Secrets never live here: `api_key_env` names the
environment variable that holds the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

BackendKind = Literal["litellm", "transformers", "scripted"]


@dataclass
class BackendConfig:
    """Configuration of one LLM backend (agents, judges and evaluated models each get one)."""

    kind: BackendKind = field(
        default="scripted",
        metadata={
            "help": "Backend: 'litellm' (any provider / OpenAI-compatible server), 'transformers' "
            "(local checkpoint) or 'scripted' (deterministic policy; the offline default)."
        },
    )
    model: str = field(
        default="echo",
        metadata={
            "help": "litellm: provider/model name (e.g. 'openai/Qwen3-14B', 'hosted_vllm/Qwen/Qwen3-8B'); "
            "transformers: checkpoint directory; scripted: policy name."
        },
    )
    api_base: str | None = field(
        default=None,
        metadata={
            "help": "litellm: base URL of an OpenAI-compatible server (e.g. http://localhost:8000/v1)."
        },
    )
    api_key_env: str | None = field(
        default=None,
        metadata={
            "help": "litellm: NAME of the environment variable holding the API key (the key itself never "
            "goes into configs, outputs or logs). Unset: the provider's default variable."
        },
    )
    concurrency: int = field(
        default=8, metadata={"help": "litellm: most requests in flight at once (global to the backend)."}
    )
    timeout_s: float = field(
        default=600.0,
        metadata={
            "help": "litellm: per-attempt timeout in seconds; one attempt is a whole non-streaming "
            "generation, so leave room for long reasoning (8k tokens at 20 tok/s is 400 s)."
        },
    )
    max_retries: int = field(
        default=5,
        metadata={
            "help": "litellm: retries after the first attempt on 429 / 5xx / connection / timeout errors."
        },
    )
    backoff_base_s: float = field(
        default=1.0,
        metadata={
            "help": "litellm: backoff before retry k is uniform in [0, min(backoff_max_s, base * 2**k)]."
        },
    )
    backoff_max_s: float = field(
        default=60.0, metadata={"help": "litellm: cap of one backoff sleep in seconds."}
    )
    cache_dir: str | None = field(
        default=None,
        metadata={
            "help": "litellm: directory of the on-disk response cache keyed by the request (model, "
            "messages, tools, sampling parameters); unset disables caching."
        },
    )
    temperature: float | None = field(
        default=None, metadata={"help": "Overrides every request's temperature when set."}
    )
    max_tokens: int | None = field(
        default=None,
        metadata={"help": "Completion token budget for requests that set none (transformers default: 512)."},
    )
    enable_thinking: bool | None = field(
        default=None,
        metadata={
            "help": "Qwen3 thinking switch. litellm: unset sends nothing; true/false sends "
            "chat_template_kwargs.enable_thinking (vLLM/SGLang) = this AND the request's flag. "
            "transformers: false forces thinking off; otherwise the request decides."
        },
    )
    device: str = field(
        default="cpu", metadata={"help": "transformers: torch device ('cpu', 'cuda', 'cuda:1')."}
    )
    dtype: str = field(
        default="float32", metadata={"help": "transformers: torch dtype ('float32', 'bfloat16', 'float16')."}
    )
    batch_size: int = field(default=8, metadata={"help": "transformers: prompts per generate() call."})
    extra: dict[str, Any] = field(
        default_factory=dict,
        metadata={
            "help": "litellm: extra keyword arguments passed to the provider as-is (e.g. top_p, seed, "
            "extra_body). Part of the cache key."
        },
    )

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, where: str = "backend") -> BackendConfig:
        """Build from a YAML/JSON mapping; unknown keys are an error naming `where` and the key."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(
                f"{where}: unknown backend field(s) {unknown}; known: {', '.join(sorted(names))}"
            )
        return cls(**data)

    def __post_init__(self) -> None:
        if self.kind not in ("litellm", "transformers", "scripted"):
            raise ValueError(
                f"BackendConfig.kind: unknown backend {self.kind!r} (litellm, transformers, scripted)"
            )
        if self.concurrency < 1:
            raise ValueError(f"BackendConfig.concurrency must be >= 1, got {self.concurrency}")
        if self.max_retries < 0:
            raise ValueError(f"BackendConfig.max_retries must be >= 0, got {self.max_retries}")
        if self.timeout_s <= 0:
            raise ValueError(f"BackendConfig.timeout_s must be > 0, got {self.timeout_s}")
        if self.batch_size < 1:
            raise ValueError(f"BackendConfig.batch_size must be >= 1, got {self.batch_size}")
