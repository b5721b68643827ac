"""The one LLM interface every agent, judge and evaluated model talks through.

A backend turns a `ChatRequest` (OpenAI-format messages + optional tools) into a `Completion` whose
`message` is a toolmind `Message` (reasoning, content, tool calls; `parse_error` set when the model's
output could not be decoded). Backends never raise on bad model output; they raise `LLMError` only when
no answer could be obtained at all (network down after the retry budget, model missing, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from toolmind.schema import Message, ToolSpec


class LLMError(RuntimeError):
    """No completion could be obtained (after retries, where the backend retries)."""


class LLMRequestError(LLMError):
    """A provider call failed for good: carries the model, the last HTTP status (None for connection
    errors and timeouts) and the number of attempts made."""

    def __init__(self, message: str, *, model: str, status: int | None, attempts: int) -> None:
        super().__init__(message)
        self.model = model
        self.status = status
        self.attempts = attempts


@dataclass
class ChatRequest:
    messages: list[Message]
    tools: list[ToolSpec] | None = None
    temperature: float = 0.0
    max_tokens: int | None = None
    enable_thinking: bool = True
    # Free-form context for scripted backends (e.g. the agent role and the chain it plays); real
    # models never see it.
    context: dict[str, Any] = field(default_factory=dict)


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0

    def add(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.cost_usd += other.cost_usd


@dataclass
class Completion:
    message: Message
    usage: Usage = field(default_factory=Usage)
    model: str = ""
    # "litellm", "transformers", "scripted": recorded in every output the completion contributes to.
    backend: str = ""
    raw_text: str | None = None
    retries: int = 0
    cached: bool = False


@runtime_checkable
class LLMBackend(Protocol):
    """What every backend provides."""

    @property
    def name(self) -> str:
        """`<backend>:<model>`, recorded in outputs (e.g. `scripted:toolmind-v1`)."""
        ...

    async def complete(self, request: ChatRequest) -> Completion: ...
