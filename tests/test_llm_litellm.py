"""LiteLLMBackend against a real OpenAI-compatible HTTP server on 127.0.0.1 (no mocking of litellm)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
from typing import Any

import pytest

from toolmind.llm.base import ChatRequest, LLMError, LLMRequestError
from toolmind.llm.cache import ResponseCache, request_key
from toolmind.llm.config import BackendConfig
from toolmind.llm.factory import make_backend
from toolmind.llm.litellm_backend import LiteLLMBackend
from toolmind.llm.stub_server import StubServer
from toolmind.schema import FunctionSpec, Message, ToolCall, ToolSpec

FAST = {"backoff_base_s": 0.001, "backoff_max_s": 0.01}


def backend(server: StubServer, **overrides: Any) -> LiteLLMBackend:
    fields: dict[str, Any] = {"kind": "litellm", "model": "openai/stub", "api_base": server.base_url, **FAST}
    fields.update(overrides)
    made = make_backend(BackendConfig(**fields))
    assert isinstance(made, LiteLLMBackend)
    return made


def ask(text: str = "hello", **kwargs: Any) -> ChatRequest:
    return ChatRequest(messages=[Message(role="user", content=text)], **kwargs)


WEATHER = ToolSpec(
    function=FunctionSpec(
        name="get_weather",
        description="Weather of a city",
        parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    ),
    returns={"type": "object"},
)


def test_plain_text_completion_and_usage() -> None:
    with StubServer() as server:
        llm = backend(server)
        done = asyncio.run(llm.complete(ask("what is up")))
    assert done.message.role == "assistant"
    assert done.message.content == "stub reply to: what is up"
    assert done.backend == "litellm" and llm.name == "litellm:openai/stub"
    assert done.retries == 0 and not done.cached
    assert done.usage.prompt_tokens > 0 and done.usage.completion_tokens > 0
    assert done.usage.cost_usd == 0.0  # litellm does not know a model called "stub"
    assert llm.usage.prompt_tokens == done.usage.prompt_tokens and llm.calls == 1


def test_known_model_gets_litellm_cost() -> None:
    with StubServer() as server:
        llm = backend(server, model="openai/gpt-4o-mini")
        first = asyncio.run(llm.complete(ask("a")))
        asyncio.run(llm.complete(ask("b")))
    assert first.usage.cost_usd > 0
    assert llm.usage.cost_usd == pytest.approx(2 * first.usage.cost_usd, rel=0.5)
    assert llm.stats()["calls"] == 2


def test_429_twice_then_200_gives_one_result_with_two_retries() -> None:
    with StubServer(fail_first=[429, 429]) as server:
        llm = backend(server, max_retries=3)
        done = asyncio.run(llm.complete(ask()))
        assert server.stats.requests == 3 and server.stats.failed == 2 and server.stats.served == 1
    assert done.retries == 2 and llm.retries == 2 and llm.calls == 1 and llm.failures == 0
    assert done.message.content.startswith("stub reply")


def test_connection_drop_is_retried() -> None:
    with StubServer(fail_first=[0, 503]) as server:
        llm = backend(server, max_retries=2)
        done = asyncio.run(llm.complete(ask()))
        assert server.stats.requests == 3
    assert done.retries == 2


def test_always_500_fails_clearly_after_the_budget() -> None:
    with StubServer(fail_always=500) as server:
        llm = backend(server, max_retries=2)
        with pytest.raises(LLMRequestError) as info:
            asyncio.run(llm.complete(ask()))
        assert server.stats.requests == 3
    err = info.value
    assert err.attempts == 3 and err.status == 500 and err.model == "openai/stub"
    text = str(err)
    assert (
        "openai/stub" in text and "3 attempt(s)" in text and "status 500" in text and "retry budget" in text
    )
    assert llm.failures == 1 and llm.retries == 2


def test_client_errors_are_not_retried() -> None:
    with StubServer(fail_always=400) as server:
        llm = backend(server, max_retries=5)
        with pytest.raises(LLMRequestError, match="not retryable") as info:
            asyncio.run(llm.complete(ask()))
        assert server.stats.requests == 1
    assert info.value.status == 400 and info.value.attempts == 1


def test_timeout_is_retried_then_fails() -> None:
    with StubServer(delay_s=5.0) as server:
        llm = backend(server, timeout_s=0.8, max_retries=1)
        with pytest.raises(LLMRequestError, match="2 attempt") as info:
            asyncio.run(llm.complete(ask()))
        assert server.stats.requests == 2
    assert info.value.attempts == 2


@pytest.mark.parametrize(("limit", "n_requests", "expected_peak"), [(4, 20, 4), (8, 3, 3)])
def test_concurrency_limit_is_respected(limit: int, n_requests: int, expected_peak: int) -> None:
    with StubServer(delay_s=0.2) as server:  # long enough for every slot to fill even on a busy machine
        llm = backend(server, concurrency=limit)

        async def many() -> list[Any]:
            return await asyncio.gather(*(llm.complete(ask(f"q{i}")) for i in range(n_requests)))

        results = asyncio.run(many())
        assert len(results) == n_requests and server.stats.served == n_requests
        assert server.stats.peak_in_flight == expected_peak  # never above the limit; = limit when saturated


def test_concurrency_limit_holds_across_retries() -> None:
    with StubServer(delay_s=0.02, fail_first=[429] * 6) as server:
        llm = backend(server, concurrency=3)

        async def many() -> list[Any]:
            return await asyncio.gather(*(llm.complete(ask(f"q{i}")) for i in range(12)))

        assert len(asyncio.run(many())) == 12
        assert server.stats.peak_in_flight <= 3 and server.stats.requests == 18
    assert llm.retries == 6


def weather_responder(request: dict[str, Any]) -> dict[str, Any]:
    assert request["tools"][0]["function"]["name"] == "get_weather"
    call = {
        "id": "call_7",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
    }
    return {"content": "", "reasoning_content": "The user wants Oslo weather.", "tool_calls": [call]}


@pytest.mark.parametrize("model", ["openai/stub", "hosted_vllm/Qwen/Qwen3-8B"])
def test_tool_calls_and_reasoning_are_decoded(model: str) -> None:
    with StubServer(responder=weather_responder) as server:
        llm = backend(server, model=model)
        done = asyncio.run(llm.complete(ask("weather in Oslo?", tools=[WEATHER])))
        sent = server.recorded[0].body
    msg = done.message
    assert msg.tool_calls == [ToolCall.make("call_7", "get_weather", {"city": "Oslo"})]
    assert msg.tool_calls[0].function.parsed_arguments() == {"city": "Oslo"}
    assert msg.reasoning_content == "The user wants Oslo weather."
    assert msg.parse_error is None
    assert sent["tools"] == [WEATHER.openai()]  # the `returns` schema stays on our side


def test_history_is_sent_in_openai_format() -> None:
    call = ToolCall.make("c1", "get_weather", {"city": "Oslo"})
    history = [
        Message(role="system", content="be brief"),
        Message(role="user", content="weather?"),
        Message(role="assistant", content="", tool_calls=[call], reasoning_content="look it up"),
        Message(role="tool", content='{"temp": 3}', tool_call_id="c1"),
    ]
    with StubServer() as server:
        llm = backend(server, max_tokens=64, extra={"top_p": 0.5})
        asyncio.run(llm.complete(ChatRequest(messages=history, temperature=0.3)))
        sent = server.recorded[0].body
    assert sent["messages"][2]["tool_calls"][0]["function"] == {
        "name": "get_weather",
        "arguments": '{"city": "Oslo"}',
    }
    assert sent["messages"][3] == {"role": "tool", "content": '{"temp": 3}', "tool_call_id": "c1"}
    assert sent["temperature"] == 0.3 and sent["max_tokens"] == 64 and sent["top_p"] == 0.5
    assert "chat_template_kwargs" not in sent


def test_enable_thinking_is_forwarded_as_chat_template_kwargs() -> None:
    with StubServer() as server:
        llm = backend(server, enable_thinking=True)
        asyncio.run(llm.complete(ask(enable_thinking=False)))
        asyncio.run(llm.complete(ask()))
        bodies = [r.body for r in server.recorded]
    assert bodies[0]["chat_template_kwargs"] == {"enable_thinking": False}
    assert bodies[1]["chat_template_kwargs"] == {"enable_thinking": True}


def test_cache_hit_on_identical_request(tmp_path: Any) -> None:
    with StubServer() as server:
        llm = backend(server, cache_dir=str(tmp_path / "cache"))
        first = asyncio.run(llm.complete(ask("same", tools=[WEATHER])))
        second = asyncio.run(llm.complete(ask("same", tools=[WEATHER])))
        assert server.stats.requests == 1
        assert second.cached and not first.cached and second.message == first.message
        assert second.usage.cost_usd == 0.0 and llm.cache_hits == 1 and llm.calls == 1
        asyncio.run(llm.complete(ask("same", tools=[WEATHER], temperature=0.7)))  # other params: a miss
        assert server.stats.requests == 2
        again = backend(server, cache_dir=str(tmp_path / "cache"))  # a new process would see the same
        assert asyncio.run(again.complete(ask("same", tools=[WEATHER]))).cached
        assert server.stats.requests == 2


def test_cache_concurrent_writers_leave_a_complete_entry(tmp_path: Any) -> None:
    cache = ResponseCache(tmp_path)
    key = request_key({"model": "m", "messages": [{"role": "user", "content": "x"}]})
    big = {"message": {"role": "assistant", "content": "y" * 200_000}}

    def write() -> None:
        for _ in range(20):
            cache.put(key, big)
            got = cache.get(key)
            assert got == big

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert cache.get(key) == big and len(cache) == 1
    assert not list(tmp_path.glob("*/*.tmp")) and not list(tmp_path.glob("*/.*.tmp"))
    cache.path(key).write_text("{truncated")
    assert cache.get(key) is None  # corrupt entry: a miss, not a crash


SECRET = "sk-toolmind-test-SECRET-4242"


def test_api_key_from_env_is_sent_but_never_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TOOLMIND_TEST_KEY", SECRET)
    caplog.set_level(logging.DEBUG)
    with StubServer(fail_first=[500], fail_always=None) as server:
        llm = backend(server, api_key_env="TOOLMIND_TEST_KEY", max_retries=1)
        asyncio.run(llm.complete(ask()))
        assert server.recorded[0].headers["authorization"] == f"Bearer {SECRET}"
    with StubServer(fail_always=503) as server:
        llm = backend(server, api_key_env="TOOLMIND_TEST_KEY", max_retries=1)
        with pytest.raises(LLMError) as info:
            asyncio.run(llm.complete(ask()))
    out, err = capfd.readouterr()
    texts = [str(info.value), repr(info.value), caplog.text, out, err, json.dumps(llm.stats()), repr(llm.cfg)]
    assert all(SECRET not in t for t in texts)


def test_missing_key_variable_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOOLMIND_NO_SUCH_KEY", raising=False)
    with pytest.raises(LLMError, match="TOOLMIND_NO_SUCH_KEY"):
        LiteLLMBackend(BackendConfig(kind="litellm", model="openai/x", api_key_env="TOOLMIND_NO_SUCH_KEY"))


def test_provider_key_never_travels_to_a_self_hosted_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    with StubServer() as server:
        asyncio.run(backend(server).complete(ask()))
        assert server.recorded[0].headers["authorization"] == "Bearer EMPTY"


def test_redaction_of_the_key_in_provider_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOOLMIND_TEST_KEY", SECRET)
    llm = LiteLLMBackend(BackendConfig(kind="litellm", model="openai/x", api_key_env="TOOLMIND_TEST_KEY"))
    err = llm._error(RuntimeError(f"Incorrect API key provided: {SECRET}"), 401, 1, False)
    assert SECRET not in str(err) and "***" in str(err)


def raw_qwen_responder(request: dict[str, Any]) -> dict[str, Any]:
    text = request["messages"][-1]["content"]
    return {"content": text}  # the "model" says exactly what the test asks it to


def test_raw_qwen_text_is_decoded_with_chat_parse() -> None:
    raw = '<think>\nNeed the weather.\n</think>\n\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>'
    with StubServer(responder=raw_qwen_responder) as server:
        llm = backend(server)
        done = asyncio.run(llm.complete(ask(raw, tools=[WEATHER])))
        broken = asyncio.run(llm.complete(ask('<tool_call>\n{"name": "get_weather", "argu')))
    # litellm itself moves a leading think block into reasoning_content; the rest stays raw
    assert done.raw_text is not None and done.raw_text.strip() == raw.split("</think>")[1].strip()
    assert done.message.reasoning_content == "Need the weather."
    assert done.message.tool_calls is not None
    assert done.message.tool_calls[0].function.name == "get_weather"
    assert done.message.tool_calls[0].function.parsed_arguments() == {"city": "Oslo"}
    assert done.message.parse_error is None
    assert broken.message.parse_error  # malformed output never raises; it is flagged


def test_retry_after_is_honoured_within_the_cap(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="toolmind.llm.litellm_backend")
    with StubServer(fail_first=[429], retry_after_s=0.3) as server:
        llm = backend(server, max_retries=1, backoff_max_s=1.0)
        t0 = time.perf_counter()
        done = asyncio.run(llm.complete(ask()))
        waited = time.perf_counter() - t0
        assert done.retries == 1 and server.stats.requests == 2
    assert waited >= 0.3  # jitter alone would be <= 10 ms here
    assert "retrying in 0.30s" in caplog.text
    with StubServer(fail_first=[429], retry_after_s=30) as server:
        llm = backend(server, max_retries=1, backoff_max_s=0.05)  # capped: no 30 s stall
        asyncio.run(llm.complete(ask()))
    assert "retrying in 0.05s" in caplog.text


def test_litellm_debug_output_never_shows_the_key() -> None:
    """litellm's own debug mode (global state, hence a subprocess) prints requests; the key is masked."""
    script = textwrap.dedent(
        f"""
        import asyncio, os
        os.environ["TOOLMIND_TEST_KEY"] = "{SECRET}"
        import litellm
        litellm._turn_on_debug()
        from toolmind.llm.base import ChatRequest
        from toolmind.llm.config import BackendConfig
        from toolmind.llm.litellm_backend import LiteLLMBackend
        from toolmind.llm.stub_server import StubServer
        from toolmind.schema import Message
        with StubServer(fail_first=[500]) as server:
            cfg = BackendConfig(kind="litellm", model="openai/stub", api_base=server.base_url,
                                api_key_env="TOOLMIND_TEST_KEY", backoff_base_s=0.001)
            llm = LiteLLMBackend(cfg)
            asyncio.run(llm.complete(ChatRequest(messages=[Message(role="user", content="x")])))
            assert server.recorded[0].headers["authorization"] == "Bearer {SECRET}"
        """
    )
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    output = proc.stdout + proc.stderr
    assert "POST" in output or "Request" in output  # debug output was really produced
    assert SECRET not in output


def test_a_response_without_choices_is_flagged_not_raised() -> None:
    import litellm

    llm = LiteLLMBackend(BackendConfig(kind="litellm", model="openai/x", api_base="http://127.0.0.1:9/v1"))
    done = llm._to_completion(litellm.ModelResponse(choices=[]), retries=0)
    assert done.message.parse_error == "the provider returned no choices" and done.usage.prompt_tokens == 0
