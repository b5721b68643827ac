"""Client overhead of `LiteLLMBackend.complete` vs bare `litellm.acompletion`.

Both clients call the same OpenAI-compatible stub server (toolmind.llm.stub_server, run in a child
process so it does not share the client's interpreter) with a fixed server delay, at several
concurrency levels. Each level runs `--rounds` alternating rounds of both clients (closed loop: C
workers, each sending its next request when the previous one returns) and reports the median calls/s,
the client CPU time per call, and the median over rounds of the ratio ours / bare of back-to-back
rounds (robust to machine load drifting during the run). The backend runs with its concurrency limit
set to C, no cache, retries on.

    .venv/bin/python benchmarks/llm_client_overhead.py                 # 1, 8, 64 at 50 ms
    .venv/bin/python benchmarks/llm_client_overhead.py --concurrency 1 8 64 --rounds 8 --delay 0.05
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from toolmind.llm.base import ChatRequest
from toolmind.llm.config import BackendConfig
from toolmind.llm.litellm_backend import LiteLLMBackend, _import_litellm
from toolmind.llm.stub_server import StubProcess
from toolmind.schema import Message

MODEL = "openai/stub"
PROMPT = "Plan a three-day trip to Oslo and list the tools you would call."


async def closed_loop(
    call: Callable[[int], Awaitable[Any]], concurrency: int, total: int
) -> tuple[float, float]:
    """Run `total` calls with `concurrency` workers; returns (wall seconds, client CPU seconds)."""
    counter = iter(range(total))

    async def worker() -> None:
        for i in counter:
            await call(i)

    cpu0, wall0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - wall0, time.process_time() - cpu0


async def measure_level(
    litellm: Any, base_url: str, conc: int, total: int, rounds: int
) -> dict[str, list[tuple[float, float]]]:
    """Alternating rounds of bare litellm and LiteLLMBackend at one concurrency level."""
    transport = {
        "api_base": base_url,
        "api_key": "EMPTY",
        "timeout": 60.0,
        "max_retries": 0,
        "num_retries": 0,
    }
    messages = [{"role": "user", "content": PROMPT}]
    request = ChatRequest(messages=[Message(role="user", content=PROMPT)])
    cfg = BackendConfig(kind="litellm", model=MODEL, api_base=base_url, concurrency=conc, timeout_s=60.0)
    backend = LiteLLMBackend(cfg)

    async def bare(i: int) -> Any:
        return await litellm.acompletion(model=MODEL, messages=messages, temperature=0.0, **transport)

    async def ours(i: int) -> Any:
        return await backend.complete(request)

    clients = {"bare": bare, "ours": ours}
    for fn in clients.values():  # warm-up: connections, client caches
        await closed_loop(fn, conc, conc * 2)
    results: dict[str, list[tuple[float, float]]] = {"bare": [], "ours": []}
    for r in range(rounds):
        order = ["bare", "ours"] if r % 2 == 0 else ["ours", "bare"]
        for name in order:
            wall, cpu = await closed_loop(clients[name], conc, total)
            results[name].append((total / wall, cpu / total * 1000))
    return results


async def raw_capacity(port: int, conc: int, total: int) -> float:
    """Calls/s of the stub server alone: `conc` keep-alive connections, a minimal HTTP client."""
    body = json.dumps({"model": "stub", "messages": [{"role": "user", "content": PROMPT}]}).encode()
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    counter = iter(range(total))

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in counter:
            writer.write(head + body)
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
        writer.close()

    wall0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(conc)))
    return total / (time.perf_counter() - wall0)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 64])
    parser.add_argument("--delay", type=float, default=0.05, help="server delay per request (s)")
    parser.add_argument("--rounds", type=int, default=8, help="alternating rounds per client and level")
    parser.add_argument("--seconds", type=float, default=2.0, help="target length of one round (s)")
    parser.add_argument("--server-only", action="store_true", help="only measure the stub server's capacity")
    args = parser.parse_args()

    with StubProcess(delay_s=args.delay) as server:
        print(f"stub server alone (minimal keep-alive client), delay {args.delay * 1000:.0f} ms:")
        for conc in args.concurrency:
            total = max(conc * 10, int(conc / args.delay * args.seconds))
            server.reset()
            rate = asyncio.run(raw_capacity(server.port, conc, total))
            peak = server.stats().peak_in_flight
            ideal = conc / args.delay
            print(
                f"  concurrency {conc:>3}: {rate:7.1f} calls/s (ideal {ideal:.0f}, {rate / ideal:.0%}), peak in-flight {peak}"
            )
    if args.server_only:
        return

    litellm = _import_litellm()
    print(
        f"stub delay {args.delay * 1000:.0f} ms (server in a child process), {args.rounds} alternating "
        f"rounds per client and level, medians; client CPU = process time / calls; ratio = median of "
        f"per-round ours/bare"
    )
    print(
        f"{'conc':>5} | {'bare calls/s':>12} {'CPU ms/call':>11} | {'ours calls/s':>12} {'CPU ms/call':>11} "
        f"| {'ratio':>6} | server peak in-flight"
    )
    with StubProcess(delay_s=args.delay) as server:
        for conc in args.concurrency:
            ideal = conc / (args.delay + 0.005)
            total = max(conc * 4, int(min(ideal, 250.0) * args.seconds))
            server.reset()
            results = asyncio.run(measure_level(litellm, server.base_url, conc, total, args.rounds))
            peak = server.stats().peak_in_flight
            b_rate = statistics.median(r for r, _ in results["bare"])
            o_rate = statistics.median(r for r, _ in results["ours"])
            # Ratio of back-to-back rounds, then the median: robust to load drifting during the run.
            ratio = statistics.median(
                o / b for (b, _), (o, _) in zip(results["bare"], results["ours"], strict=True)
            )
            b_cpu = statistics.median(c for _, c in results["bare"])
            o_cpu = statistics.median(c for _, c in results["ours"])
            print(
                f"{conc:>5} | {b_rate:>12.1f} {b_cpu:>11.2f} | {o_rate:>12.1f} {o_cpu:>11.2f} "
                f"| {ratio:>6.1%} | {peak}"
            )


if __name__ == "__main__":
    main()
