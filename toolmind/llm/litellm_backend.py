"""`LiteLLMBackend`: any provider or OpenAI-compatible server (vLLM, SGLang, Ollama, ...) via litellm.

What it adds to a bare ``litellm.acompletion`` call, at a per-call CPU cost of a few tens of
microseconds (see ``benchmarks/llm_client_overhead.py``):

- a global concurrency limit (one semaphore per backend: the server never sees more than
  ``concurrency`` requests in flight from it; the slot is released while backing off);
- a per-attempt timeout, and its own retries (litellm's and the openai SDK's are switched off so
  every attempt is counted here) on 429, 408, 5xx, connection errors and timeouts, with exponential
  backoff and full jitter (at least the server's ``Retry-After``, capped by ``backoff_max_s``); other
  errors (400, 401, 404, ...) fail at once;
- `LLMRequestError` naming the model, the last status and the attempts when the budget is spent;
- token and cost accounting (litellm's price table where it knows the model, else 0) on `usage`;
- an optional on-disk response cache keyed by the request (`toolmind.llm.cache`);
- conversion to `toolmind.schema.Message`: tool calls with JSON-string arguments, `reasoning_content`
  when the server splits it out, and raw Qwen3 text (``<think>`` / ``<tool_call>`` tags left in
  ``content``) decoded by `toolmind.chat.parse`.

The API key is read from the variable named by ``api_key_env`` and never logged or put in an error.
With ``api_base`` set and no ``api_key_env``, the placeholder key ``EMPTY`` is sent, so a provider key
in the environment (``OPENAI_API_KEY``) never travels to a self-hosted server.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
from typing import Any

from toolmind.llm.base import ChatRequest, Completion, LLMError, LLMRequestError, Usage
from toolmind.llm.cache import ResponseCache, request_key
from toolmind.llm.config import BackendConfig
from toolmind.schema import FunctionCall, Message, ToolCall

log = logging.getLogger(__name__)

_RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
_QWEN_TAGS = ("<tool_call>", "<think>", "</think>")


def _import_litellm() -> Any:
    """Import litellm and the openai SDK parts it loads lazily (~2-6 s), offline-safe and quiet."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm
    import openai.resources  # noqa: F401  (else the first call imports it, ~1.5 s, inside its timeout)

    litellm.suppress_debug_info = True  # no "Give Feedback / Get Help" banners on stdout
    return litellm


def _retry_after_s(exc: BaseException) -> float | None:
    """The server's ``Retry-After`` (seconds form) on a 429/503 answer, if it sent one."""
    # litellm keeps the provider's headers in `litellm_response_headers`; `response.headers` is a stub.
    headers = getattr(exc, "litellm_response_headers", None) or getattr(
        getattr(exc, "response", None), "headers", None
    )
    if not headers:
        return None
    try:
        return max(0.0, float(headers.get("retry-after")))
    except (TypeError, ValueError):
        return None


def _status_of(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    return status if isinstance(status, int) else None


class LiteLLMBackend:
    """`LLMBackend` over ``litellm.acompletion``; see the module docstring."""

    def __init__(self, cfg: BackendConfig) -> None:
        self.cfg = cfg
        self.name = f"litellm:{cfg.model}"
        self.usage = Usage()
        self.calls = 0  # completions obtained from the provider
        self.retries = 0  # attempts beyond the first, over all requests
        self.cache_hits = 0
        self.failures = 0  # requests that ended in LLMError
        self._api_key = self._read_api_key(cfg)
        self._cache = ResponseCache(cfg.cache_dir) if cfg.cache_dir else None
        self._semaphore: asyncio.Semaphore | None = None
        self._semaphore_loop: asyncio.AbstractEventLoop | None = None
        self._litellm: Any = None
        self._retryable_types: tuple[type[BaseException], ...] = ()
        # Sent with every call, never part of the cache key.
        self._transport: dict[str, Any] = {"timeout": cfg.timeout_s, "max_retries": 0, "num_retries": 0}
        if cfg.api_base:
            self._transport["api_base"] = cfg.api_base
        if self._api_key is not None:
            self._transport["api_key"] = self._api_key

    @staticmethod
    def _read_api_key(cfg: BackendConfig) -> str | None:
        if cfg.api_key_env:
            key = os.environ.get(cfg.api_key_env)
            if not key:
                raise LLMError(
                    f"litellm:{cfg.model}: environment variable {cfg.api_key_env!r} (api_key_env) is not set"
                )
            return key
        return "EMPTY" if cfg.api_base else None

    def stats(self) -> dict[str, Any]:
        """Counters for manifests and logs (no secrets)."""
        return {
            "backend": self.name,
            "calls": self.calls,
            "retries": self.retries,
            "cache_hits": self.cache_hits,
            "failures": self.failures,
            "prompt_tokens": self.usage.prompt_tokens,
            "completion_tokens": self.usage.completion_tokens,
            "cost_usd": self.usage.cost_usd,
        }

    # -- request -----------------------------------------------------------------------------------

    def request_params(self, request: ChatRequest) -> dict[str, Any]:
        """The provider-facing parameters of `request` (also the cache key material)."""
        cfg = self.cfg
        params: dict[str, Any] = {
            "model": cfg.model,
            "messages": [m.model_dump(exclude_none=True, exclude={"parse_error"}) for m in request.messages],
            "temperature": cfg.temperature if cfg.temperature is not None else request.temperature,
        }
        if request.tools:
            params["tools"] = [t.openai() for t in request.tools]
        max_tokens = request.max_tokens if request.max_tokens is not None else cfg.max_tokens
        if max_tokens is not None:
            params["max_tokens"] = max_tokens
        if cfg.extra:
            params.update(cfg.extra)
        if cfg.enable_thinking is not None:
            body = dict(params.get("extra_body") or {})
            body["chat_template_kwargs"] = {
                "enable_thinking": cfg.enable_thinking and request.enable_thinking
            }
            params["extra_body"] = body
        return params

    def _current_semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._semaphore is None or self._semaphore_loop is not loop:
            self._semaphore = asyncio.Semaphore(self.cfg.concurrency)
            self._semaphore_loop = loop
        return self._semaphore

    async def complete(self, request: ChatRequest) -> Completion:
        """One completion; raises `LLMRequestError` only when the retry budget is spent."""
        params = self.request_params(request)
        key = None
        if self._cache is not None:
            key = request_key({"api_base": self.cfg.api_base, **params})
            entry = self._cache.get(key)
            if entry is not None:
                self.cache_hits += 1
                return self._from_cache(entry)
        response, retries = await self._call(params)
        completion = self._to_completion(response, retries)
        if self._cache is not None and key is not None:
            self._cache.put(key, self._cache_entry(completion))
        return completion

    async def _call(self, params: dict[str, Any]) -> tuple[Any, int]:
        if self._litellm is None:  # first call: import in a thread, the event loop keeps running
            self._litellm = await asyncio.to_thread(_import_litellm)
            lt = self._litellm
            self._retryable_types = (
                lt.Timeout,
                lt.APIConnectionError,
                lt.RateLimitError,
                lt.InternalServerError,
                lt.ServiceUnavailableError,
                lt.BadGatewayError,
                TimeoutError,
                OSError,
            )
        acompletion = self._litellm.acompletion
        semaphore = self._current_semaphore()
        cfg = self.cfg
        attempt = 0
        while True:
            try:
                async with semaphore, asyncio.timeout(cfg.timeout_s):
                    response = await acompletion(**params, **self._transport)
                self.retries += attempt
                return response, attempt
            except Exception as exc:
                status = _status_of(exc)
                retryable = (
                    isinstance(exc, self._retryable_types)
                    or status in _RETRYABLE_STATUS
                    or (status is not None and status >= 500)
                )
                if not retryable or attempt >= cfg.max_retries:
                    self.retries += attempt
                    self.failures += 1
                    raise self._error(exc, status, attempt + 1, retryable) from None
                delay = random.uniform(0.0, min(cfg.backoff_max_s, cfg.backoff_base_s * 2**attempt))
                retry_after = _retry_after_s(exc)
                if retry_after is not None:  # the server knows best, within our cap
                    delay = max(delay, min(retry_after, cfg.backoff_max_s))
                log.debug(
                    "%s: attempt %d failed (status %s, %s); retrying in %.2fs",
                    self.name,
                    attempt + 1,
                    status,
                    type(exc).__name__,
                    delay,
                )
                attempt += 1
                await asyncio.sleep(delay)

    def _redact(self, text: str) -> str:
        if self._api_key and len(self._api_key) >= 4:
            text = text.replace(self._api_key, "***")
        return text

    def _error(
        self, exc: BaseException, status: int | None, attempts: int, retryable: bool
    ) -> LLMRequestError:
        why = "retry budget spent" if retryable else "not retryable"
        detail = self._redact(str(exc).strip() or type(exc).__name__)
        if len(detail) > 500:
            detail = detail[:500] + "..."
        message = (
            f"{self.name}: no completion after {attempts} attempt(s) ({why}); last error: status "
            f"{status if status is not None else 'none'}, {type(exc).__name__}: {detail}"
        )
        return LLMRequestError(message, model=self.cfg.model, status=status, attempts=attempts)

    # -- response ----------------------------------------------------------------------------------

    def _to_completion(self, response: Any, retries: int) -> Completion:
        content = ""
        if not response.choices:  # a provider glitch, reported like undecodable output
            message = Message(role="assistant", parse_error="the provider returned no choices")
        else:
            raw = response.choices[0].message
            content = raw.content or ""
            # Servers (and litellm, which splits a leading think block out of content) keep the newlines
            # around the reasoning; the Qwen3 template strips them, and so does `toolmind.chat.parse`.
            reasoning = (getattr(raw, "reasoning_content", None) or "").strip("\n") or None
            message = self._to_message(content, reasoning, raw.tool_calls)
        usage = Usage()
        counted = getattr(response, "usage", None)  # absent when the provider sent none
        if counted is not None:
            usage.prompt_tokens = counted.prompt_tokens or 0
            usage.completion_tokens = counted.completion_tokens or 0
        usage.cost_usd = float(response._hidden_params.get("response_cost") or 0.0)
        self.calls += 1
        self.usage.add(usage)
        return Completion(
            message=message,
            usage=usage,
            model=self.cfg.model,
            backend="litellm",
            raw_text=content,
            retries=retries,
        )

    @staticmethod
    def _to_message(content: str, reasoning: str | None, raw_calls: list[Any] | None) -> Message:
        if not raw_calls and any(tag in content for tag in _QWEN_TAGS):
            from toolmind.chat import parse  # the server returned raw Qwen3 text

            message = parse(content)
            if reasoning and not message.reasoning_content:
                message.reasoning_content = reasoning
            return message
        calls: list[ToolCall] = []
        errors: list[str] = []
        for i, call in enumerate(raw_calls or []):
            name = call.function.name if call.function is not None else None
            if not name:
                errors.append(f"tool call {i} has no function name")
                continue
            args = call.function.arguments
            if not isinstance(args, str):
                args = json.dumps(args if args is not None else {}, ensure_ascii=False)
            calls.append(
                ToolCall(id=call.id or f"call_{i}", function=FunctionCall(name=name, arguments=args))
            )
        return Message(
            role="assistant",
            content=content,
            reasoning_content=reasoning,
            tool_calls=calls or None,
            parse_error="; ".join(errors) or None,
        )

    # -- cache -------------------------------------------------------------------------------------

    @staticmethod
    def _cache_entry(completion: Completion) -> dict[str, Any]:
        return {
            "message": completion.message.model_dump(exclude_none=True),
            "prompt_tokens": completion.usage.prompt_tokens,
            "completion_tokens": completion.usage.completion_tokens,
            "cost_usd": completion.usage.cost_usd,
            "model": completion.model,
            "raw_text": completion.raw_text,
        }

    def _from_cache(self, entry: dict[str, Any]) -> Completion:
        # A hit costs nothing: tokens are reported for information, cost is 0 and totals do not move.
        usage = Usage(
            prompt_tokens=entry.get("prompt_tokens", 0), completion_tokens=entry.get("completion_tokens", 0)
        )
        return Completion(
            message=Message.model_validate(entry["message"]),
            usage=usage,
            model=entry.get("model", self.cfg.model),
            backend="litellm",
            raw_text=entry.get("raw_text"),
            cached=True,
        )
