"""The judges through the real litellm backend, over HTTP, against the stub OpenAI server on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from test_filter_rules import GOOD_SEARCH, clean_trajectory, with_bad_search

from toolmind.cli import main
from toolmind.llm.stub_server import StubServer
from toolmind.schema import write_jsonl


def judge_responder(request: dict[str, Any]) -> dict[str, Any]:
    """Fails any conversation or turn that mentions the non-existent tool `find_flights`."""
    prompt = request["messages"][-1]["content"]
    review = prompt.split(">>> TURN UNDER REVIEW <<<")[-1] if "TURN UNDER REVIEW" in prompt else prompt
    conversation = review.split("# Conversation")[-1]
    if "find_flights(" in conversation:
        verdict = {"tool_accuracy": False, "verdict": "fail", "reasons": ["calls a tool that does not exist"]}
    else:
        verdict = {"verdict": "pass", "reasons": []}
    return {"content": "<think>checked</think>" + json.dumps(verdict)}


def test_litellm_judge_over_http(tmp_path: Path) -> None:
    src = tmp_path / "in"
    write_jsonl(
        src / "trajectories.jsonl", [clean_trajectory("clean"), with_bad_search(GOOD_SEARCH, "find_flights")]
    )
    cache = str(tmp_path / "cache")
    with StubServer(responder=judge_responder) as server:
        common = ["--judge-model", "openai/stub", "--judge-api-base", server.base_url, "--cache-dir", cache]
        common += ["--stages", "turn_judge"]
        assert main(["filter", "--in", str(src), "--out", str(tmp_path / "out"), *common]) == 0
        assert server.stats.requests == 5 + 6  # one per assistant turn
        # A second run over the same input answers from the verdict cache: no new HTTP request.
        assert main(["filter", "--in", str(src), "--out", str(tmp_path / "out2"), *common]) == 0
        assert server.stats.requests == 11
    kept = [json.loads(line) for line in (tmp_path / "out" / "trajectories.jsonl").read_text().splitlines()]
    masked = {t["id"]: [lab["message_index"] for lab in t["labels"] if not lab["train"]] for t in kept}
    assert masked == {"clean": [], "bad-find_flights": [4]}
    bad = next(t for t in kept if t["id"] == "bad-find_flights")
    assert bad["labels"][1]["reasons"] == ["turn_judge: calls a tool that does not exist"]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["judge"]["model"].endswith("stub") and manifest["judge"]["calls"] == 11
