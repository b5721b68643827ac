"""Synthesis throughput: the orchestrator's LLM calls/s vs bare `litellm.acompletion`, and trajectories/s.

Both clients talk to the same OpenAI-compatible stub (toolmind.llm.stub_server, in a child process so it
does not share the client's interpreter) with a fixed delay. The stub plays every agent role (goal writer,
user, assistant with one tool call, tool simulator), so each orchestrated trajectory is a real 6-call
conversation: goal, user, assistant (call), tool, assistant (reply), user (###STOP###). At each
concurrency C the orchestrator runs C trajectories at once (one shared LiteLLMBackend, limit C) and the
bare client runs C closed-loop workers; rounds alternate and the median is reported. The orchestrator's
time includes planning, call validation, JSONL writes and the manifest.

Then the scripted backend's trajectories/s on the default recipe (chains pre-sampled, not timed).

    .venv/bin/python benchmarks/synth_throughput.py                      # 1, 8, 64 at 50 ms, 3 rounds
    .venv/bin/python benchmarks/synth_throughput.py --concurrency 1 8 64 --rounds 3 --delay 0.05
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from toolmind.llm.config import BackendConfig
from toolmind.llm.litellm_backend import LiteLLMBackend, _import_litellm
from toolmind.llm.stub_server import StubProcess
from toolmind.schema import write_jsonl
from toolmind.synth.config import ROLES, AgentConfig, SynthConfig, load_config
from toolmind.synth.runner import load_chains, load_tool_source, synthesize

MODEL = "openai/stub"
CALLS_PER_TRAJECTORY = 6
RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "synth" / "default.yaml"


def role_responder(request: dict[str, Any]) -> dict[str, Any]:
    """Plays the agent the prompt is for (module level: picklable for the stub's child process)."""
    messages = request["messages"]
    first = messages[0]["content"] if messages else ""
    if first.startswith("You write realistic goals"):
        body = {"goal": "You want flights from JFK to LHR.", "hidden_details": []}
        return {"content": json.dumps(body)}
    if first.startswith("You are playing a user"):
        mine = sum(1 for m in messages if m["role"] == "assistant")
        return {
            "content": "Find flights from JFK to LHR on 2025-06-14." if mine == 0 else "Thanks! ###STOP###"
        }
    if first.startswith("You simulate the API"):
        return {"content": '{"flights": [{"flight_id": "FO-1", "price": 420.0}], "currency": "EUR"}'}
    if first.startswith("You are a helpful assistant"):
        if messages[-1]["role"] == "tool":
            return {"content": "FO-1 costs 420 EUR.", "reasoning_content": "Report it."}
        args = {"origin": "JFK", "destination": "LHR", "departure_date": "2025-06-14"}
        call = {
            "id": "call_a",
            "type": "function",
            "function": {"name": "search_flights", "arguments": json.dumps(args)},
        }
        return {"content": None, "tool_calls": [call]}
    return {"content": "stub reply"}


class RecordingBackend(LiteLLMBackend):
    """Keeps the provider-facing parameters of every request, for the bare client to replay."""

    def __init__(self, cfg: BackendConfig) -> None:
        super().__init__(cfg)
        self.sent: list[dict[str, Any]] = []

    def request_params(self, request: Any) -> dict[str, Any]:
        params = super().request_params(request)
        self.sent.append(params)
        return params


async def bare(
    litellm: Any, base_url: str, conc: int, total: int, requests: list[dict[str, Any]]
) -> tuple[float, float]:
    """Calls/s of `conc` closed-loop workers calling litellm.acompletion directly with the orchestrator's
    own requests (same messages, tools and parameters), replayed in order."""
    counter = iter(range(total))
    # Fresh objects per call, as a real caller builds them.
    frozen = [json.dumps(r) for r in requests]

    async def worker() -> None:
        for i in counter:
            await litellm.acompletion(
                **json.loads(frozen[i % len(frozen)]),
                api_base=base_url,
                api_key="EMPTY",
                timeout=60.0,
                max_retries=0,
                num_retries=0,
            )

    t0, c0 = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(conc)))
    return total / (time.perf_counter() - t0), (time.process_time() - c0) * 1000 / total


async def orchestrated(
    base_url: str, conc: int, trajectories: int, work: Path, backend: LiteLLMBackend | None = None
) -> tuple[float, float, float]:
    """(LLM calls/s, trajectories/s, client CPU ms per call) of a synthesis run with every agent on one
    litellm backend."""
    chains = work / f"chains-{conc}.jsonl"
    chains.write_text(
        "".join(json.dumps({"id": f"c{i}", "tools": ["search_flights"]}) + "\n" for i in range(trajectories)),
        encoding="utf-8",
    )
    llm = BackendConfig(
        kind="litellm", model=MODEL, api_base=base_url, concurrency=max(conc, 1), timeout_s=60
    )
    cfg = SynthConfig(chains=str(chains), concurrency=conc, agents={r: AgentConfig(llm=llm) for r in ROLES})
    cfg.situations.distractor_share = 0.0
    backend = backend or LiteLLMBackend(llm)
    out = Path(tempfile.mkdtemp(dir=work))
    t0, c0 = time.perf_counter(), time.process_time()
    result = await synthesize(cfg, out, backends=dict.fromkeys(ROLES, backend))
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    calls = result.summary["llm_calls"]
    if result.written != trajectories or calls != trajectories * CALLS_PER_TRAJECTORY:
        raise RuntimeError(f"orchestrated run incomplete: {result.summary}")
    return calls / seconds, trajectories / seconds, cpu * 1000 / calls


def scripted_rate(n: int, work: Path) -> tuple[float, int]:
    """Trajectories/s of the default recipe with the scripted agents (chain sampling not timed)."""
    cfg = load_config(RECIPE)
    cfg.num_chains = n
    chains, _ = load_chains(cfg, load_tool_source(cfg))
    write_jsonl(work / "scripted-chains.jsonl", chains)
    cfg.chains = str(work / "scripted-chains.jsonl")
    t0 = time.perf_counter()
    result = asyncio.run(synthesize(cfg, work / "scripted"))
    return result.written / (time.perf_counter() - t0), result.written


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 64])
    parser.add_argument("--delay", type=float, default=0.05, help="stub server delay per request (s)")
    parser.add_argument("--seconds", type=float, default=4.0, help="target length of one measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--scripted", type=int, default=1000, help="trajectories for the scripted measurement"
    )
    args = parser.parse_args()
    litellm = _import_litellm()
    with (
        tempfile.TemporaryDirectory() as tmp,
        StubProcess(delay_s=args.delay, responder=role_responder) as stub,
    ):
        work = Path(tmp)
        # warm-up (imports, connection pools), recording one trajectory's requests for the bare client
        recorder = RecordingBackend(BackendConfig(kind="litellm", model=MODEL, api_base=stub.base_url))
        asyncio.run(orchestrated(stub.base_url, 1, 1, work, recorder))
        requests = recorder.sent
        asyncio.run(bare(litellm, stub.base_url, 1, len(requests), requests))
        print(f"stub delay {args.delay * 1000:.0f} ms; {args.rounds} alternating rounds per level, medians")
        print("client CPU = process time / calls; ratio = median over rounds of toolmind / bare calls/s")
        print(
            f"{'conc':>5} | {'bare calls/s':>12} {'CPU ms/call':>11} | {'toolmind calls/s':>16} {'CPU ms/call':>11}"
            f" | {'ratio':>6} | {'traj/s':>6}"
        )
        for conc in args.concurrency:
            ideal = conc / args.delay
            total = max(conc * 4, int(ideal * 0.7 * args.seconds))
            trajectories = max(conc, total // CALLS_PER_TRAJECTORY)
            rows: list[tuple[float, float, float, float, float]] = []
            for _ in range(args.rounds):
                b_rate, b_cpu = asyncio.run(bare(litellm, stub.base_url, conc, total, requests))
                o_rate, o_traj, o_cpu = asyncio.run(orchestrated(stub.base_url, conc, trajectories, work))
                rows.append((b_rate, b_cpu, o_rate, o_cpu, o_traj))
            med = [statistics.median(r[i] for r in rows) for i in range(5)]
            ratio = statistics.median(r[2] / r[0] for r in rows)
            print(
                f"{conc:>5} | {med[0]:>12.1f} {med[1]:>11.2f} | {med[2]:>16.1f} {med[3]:>11.2f} | {ratio:>6.1%}"
                f" | {med[4]:>6.1f}"
            )
    with tempfile.TemporaryDirectory() as tmp:
        rate, n = scripted_rate(args.scripted, Path(tmp))
        print(f"scripted backend, default recipe: {n} trajectories at {rate:.0f} trajectories/s")


if __name__ == "__main__":
    main()
