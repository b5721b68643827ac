"""The OpenAI-compatible stub server itself, over plain HTTP (urllib) and in a child process."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from toolmind.llm.stub_server import StubProcess, StubServer


def post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_chat_completion_shape_and_models() -> None:
    with StubServer() as server:
        status, body = post(
            server.base_url + "/chat/completions",
            {"model": "m", "messages": [{"role": "user", "content": "yo"}]},
        )
        with urllib.request.urlopen(server.base_url + "/models", timeout=10) as resp:
            models = json.loads(resp.read())
    assert status == 200 and body["object"] == "chat.completion" and body["model"] == "m"
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "stub reply to: yo"}
    assert body["choices"][0]["finish_reason"] == "stop"
    assert (
        body["usage"]["total_tokens"] == body["usage"]["prompt_tokens"] + body["usage"]["completion_tokens"]
    )
    assert models["data"][0]["id"] == "stub"
    assert server.stats.requests == 1 and server.recorded[0].body["model"] == "m"


def test_failure_script_then_success_and_reset() -> None:
    with StubServer(fail_first=[429, 500]) as server:
        url = server.base_url + "/chat/completions"
        codes = [post(url, {"messages": []})[0] for _ in range(3)]
        assert codes == [429, 500, 200]
        assert post(url, {"messages": []})[1]["choices"]
        assert (server.stats.requests, server.stats.failed, server.stats.served) == (4, 2, 2)
        server.reset()
        status, body = post(url, {"messages": []})
        assert status == 429 and body["error"]["type"] == "rate_limit_error"


def test_unknown_route_is_404() -> None:
    with StubServer() as server:
        status, body = post(f"http://127.0.0.1:{server.port}/v2/nothing", {})
    assert status == 404 and "no route" in body["error"]["message"]


@pytest.mark.parametrize("fail", [500, 503])
def test_always_failing(fail: int) -> None:
    with StubServer(fail_always=fail) as server:
        assert [post(server.base_url + "/chat/completions", {})[0] for _ in range(2)] == [fail, fail]


def test_child_process_server_reports_stats_over_http() -> None:
    with StubProcess(delay_s=0.0) as server:
        for _ in range(3):
            assert post(server.base_url + "/chat/completions", {"messages": []})[0] == 200
        stats = server.stats()
        assert stats.requests == 3 and stats.peak_in_flight == 1
        server.reset()
        assert server.stats().requests == 0


def test_chunked_request_body() -> None:
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "chunky"}]}).encode()
    with StubServer() as server:
        req = urllib.request.Request(
            server.base_url + "/chat/completions",
            data=iter([body[:10], body[10:]]),
            headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            answer = json.loads(resp.read())
    assert answer["choices"][0]["message"]["content"] == "stub reply to: chunky"
