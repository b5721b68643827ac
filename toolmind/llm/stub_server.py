"""A real OpenAI-compatible HTTP server on 127.0.0.1, for tests and benchmarks.

It speaks enough HTTP/1.1 (keep-alive, Content-Length bodies) for litellm, the openai SDK, httpx and
aiohttp, runs an asyncio loop in a background thread, and sustains hundreds of concurrent requests
with a fixed delay on a small machine.

Usage::

    from toolmind.llm.stub_server import StubServer

    with StubServer(delay_s=0.05, fail_first=[429, 429]) as server:
        cfg = BackendConfig(kind="litellm", model="openai/stub", api_base=server.base_url)
        ...  # call the backend
        assert server.stats.requests == 3 and server.stats.peak_in_flight <= 8

Endpoints:
    POST /v1/chat/completions   non-streaming chat completion (OpenAI response shape, with `usage`)
    GET  /v1/models             one model, ``stub``
    GET  /stats                 the `StubStats` as JSON (useful when the server runs in another process)
    POST /reset                 zero the counters and the recorded requests

Knobs (all keyword arguments of `StubServer`):
    delay_s      fixed delay before every chat-completion answer (failures included)
    responder    ``Callable[[dict], dict]``: request JSON -> assistant message dict (``content``,
                 ``tool_calls``, ``reasoning_content``); default `echo_responder`
    fail_first   statuses for the first N chat requests, e.g. ``[429, 429]``; ``0`` drops the
                 connection without an answer (a connection error for the client)
    fail_always  answer every chat request with this status (e.g. 500); 0 drops every connection
    retry_after_s  send ``Retry-After: <seconds>`` with scripted 429 answers
    record       keep every request (body + headers) in ``server.recorded`` (off for benchmarks)

`StubProcess` runs the same server in a child process (so benchmarks measure the client alone, not a
server sharing its interpreter); read its counters with `StubProcess.stats()`.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import threading
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from typing import Any

Responder = Callable[[dict[str, Any]], dict[str, Any]]

_REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
}
_ERROR_TYPES = {429: "rate_limit_error", 400: "invalid_request_error", 401: "authentication_error"}


def echo_responder(request: dict[str, Any]) -> dict[str, Any]:
    """Default responder: a short deterministic text quoting the last user message."""
    last = next((m for m in reversed(request.get("messages", [])) if m.get("role") == "user"), None)
    text = str(last.get("content", "")) if last else ""
    return {"role": "assistant", "content": f"stub reply to: {text[:60]}"}


@dataclass
class StubStats:
    """Counters of one server; `requests` counts chat-completion requests, failed ones included."""

    requests: int = 0
    served: int = 0
    failed: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0


@dataclass
class RecordedRequest:
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def _count_tokens(value: Any) -> int:
    """Whitespace word count of a JSON value: a deterministic stand-in for a tokenizer."""
    return len(json.dumps(value, ensure_ascii=False).split()) if value else 0


class StubServer:
    """OpenAI-compatible server in a background thread; a context manager on an ephemeral port."""

    def __init__(
        self,
        *,
        delay_s: float = 0.0,
        responder: Responder | None = None,
        fail_first: Sequence[int] = (),
        fail_always: int | None = None,
        retry_after_s: float | None = None,
        record: bool = True,
        model: str = "stub",
    ) -> None:
        self.delay_s = delay_s
        self.responder: Responder = responder or echo_responder
        self.fail_first = list(fail_first)
        self.fail_always = fail_always
        self.retry_after_s = retry_after_s
        self.record = record
        self.model = model
        self.stats = StubStats()
        self.recorded: list[RecordedRequest] = []
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1``: what clients take as ``api_base``."""
        return f"http://127.0.0.1:{self.port}/v1"

    def reset(self) -> None:
        """Zero the counters and forget recorded requests (the failure script restarts too)."""
        self.stats = StubStats()
        self.recorded = []

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> StubServer:
        self._thread = threading.Thread(target=self._run, name="stub-openai-server", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=10)
        if self._error is not None or not self.port:
            raise RuntimeError(f"stub server failed to start: {self._error!r}")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._thread = None

    def __enter__(self) -> StubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # surfaced by start()
            self._error = exc
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=1024)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        await self._stop.wait()
        server.close()
        for writer in list(self._writers):  # idle keep-alive connections see EOF and end
            writer.close()
        pending = asyncio.all_tasks() - {asyncio.current_task()}
        for task in pending:  # requests still waiting out their delay; _handle ends quietly
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await server.wait_closed()

    # -- HTTP --------------------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    break
                method, path, _ = request_line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while True:
                    line = await reader.readline()
                    if line in (b"\r\n", b"\n", b""):
                        break
                    key, _, value = line.decode("latin-1").partition(":")
                    headers[key.strip().lower()] = value.strip()
                if headers.get("transfer-encoding", "").lower() == "chunked":
                    body = await _read_chunked(reader)
                else:
                    body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                status, payload = await self._route(method, path.split("?", 1)[0], headers, body)
                if status == 0:  # scripted connection drop
                    break
                data = json.dumps(payload).encode()
                extra = ""
                if status == 429 and self.retry_after_s is not None:
                    extra = f"Retry-After: {self.retry_after_s:g}\r\n"
                head = (
                    f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
                    f"Connection: keep-alive\r\n{extra}\r\n"
                )
                writer.write(head.encode() + data)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, asyncio.CancelledError, ConnectionError, ValueError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _route(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any]]:
        if method == "POST" and path.endswith("/chat/completions"):
            return await self._chat(headers, body)
        if method == "GET" and path.endswith("/models"):
            return 200, {
                "object": "list",
                "data": [{"id": self.model, "object": "model", "owned_by": "stub"}],
            }
        if method == "GET" and path == "/stats":
            return 200, asdict(self.stats)
        if method == "POST" and path == "/reset":
            self.reset()
            return 200, {"ok": True}
        return 404, _error(404, f"no route {method} {path}")

    def _failure_for(self, index: int) -> int | None:
        if self.fail_always is not None:
            return self.fail_always
        return self.fail_first[index] if index < len(self.fail_first) else None

    async def _chat(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        stats = self.stats
        index = stats.requests
        stats.requests += 1
        stats.in_flight += 1
        stats.peak_in_flight = max(stats.peak_in_flight, stats.in_flight)
        try:
            request = json.loads(body or b"{}")
            if self.record:
                self.recorded.append(RecordedRequest(request, headers))
            if self.delay_s > 0:
                await asyncio.sleep(self.delay_s)
            failure = self._failure_for(index)
            if failure is not None:
                stats.failed += 1
                return failure, _error(failure, f"scripted failure {failure} for request {index}")
            message = {"role": "assistant", "content": None, **self.responder(request)}
            stats.served += 1
            return 200, self._completion(request, message, index)
        finally:
            stats.in_flight -= 1

    def _completion(self, request: dict[str, Any], message: dict[str, Any], index: int) -> dict[str, Any]:
        prompt_tokens = _count_tokens(request.get("messages")) + _count_tokens(request.get("tools"))
        completion_tokens = _count_tokens(message.get("content")) + _count_tokens(message.get("tool_calls"))
        return {
            "id": f"chatcmpl-stub-{index}",
            "object": "chat.completion",
            "created": 0,
            "model": request.get("model", self.model),
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "tool_calls" if message.get("tool_calls") else "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    """A chunked request body (RFC 9112 §7.1; trailers ignored)."""
    parts: list[bytes] = []
    while True:
        size = int((await reader.readline()).split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)  # CRLF after the chunk


def _error(status: int, message: str) -> dict[str, Any]:
    kind = _ERROR_TYPES.get(status, "server_error" if status >= 500 else "error")
    return {"error": {"message": message, "type": kind, "code": status}}


# -- the same server in a child process ------------------------------------------------------------


def _child_main(conn: Connection, kwargs: dict[str, Any]) -> None:
    with StubServer(**kwargs) as server:
        conn.send(server.port)
        conn.recv()  # blocks until the parent asks us to stop (or dies: EOFError)


class StubProcess:
    """`StubServer` in a child process (``spawn``), for benchmarks; same keyword arguments
    (a custom `responder` must be picklable, i.e. a module-level function)."""

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = {"record": False, **kwargs}
        self.port = 0
        self._proc: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def stats(self) -> StubStats:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/stats", timeout=10) as resp:
            return StubStats(**json.loads(resp.read()))

    def reset(self) -> None:
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/reset", data=b"", method="POST")
        with urllib.request.urlopen(req, timeout=10):
            pass

    def __enter__(self) -> StubProcess:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=_child_main, args=(child, self.kwargs), daemon=True)
        self._proc.start()
        if not parent.poll(30):
            self._proc.kill()
            raise RuntimeError("stub server process did not start within 30 s")
        self.port = parent.recv()
        self._conn = parent
        return self

    def __exit__(self, *exc: object) -> None:
        if self._conn is not None:
            self._conn.send("stop")
        if self._proc is not None:
            self._proc.join(timeout=10)
            if self._proc.is_alive():
                self._proc.kill()
