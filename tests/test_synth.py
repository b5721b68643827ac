"""Offline synthesis with the default recipe and the scripted agents: the data checks of issue 4."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from test_synth_support import write_chains

from toolmind.filter.leakage import _known
from toolmind.schema import USER_STOP_TOKEN, Trajectory, read_jsonl
from toolmind.synth.config import load_config
from toolmind.synth.phrases import is_large_amount
from toolmind.synth.plan import build_plan
from toolmind.synth.runner import synthesize
from toolmind.synth.validate import validate_call
from toolmind.synth.values import say, words
from toolmind.tools.pool import default_pool_domains, load_default_pool

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "synth" / "default.yaml"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Trajectory], dict]:
    tmp = tmp_path_factory.mktemp("synth")
    cfg = load_config(RECIPE)
    cfg.chains = str(write_chains(tmp / "chains.jsonl", load_default_pool(), 240, seed=1))
    # more injected errors than the recipe's default, so every kind shows up in 240 trajectories
    cfg.errors.turn_error_share = 0.4
    cfg.errors.kinds["invented_date"] = 4.0
    result = asyncio.run(synthesize(cfg, tmp / "out"))
    records = read_jsonl(tmp / "out" / "trajectories.jsonl", Trajectory, strict=True).records
    return records, result.summary


def _results(t: Trajectory) -> dict[str, str]:
    return {m.tool_call_id or "": m.content for m in t.messages if m.role == "tool"}


def test_at_least_200_valid_records(run: tuple[list[Trajectory], dict]) -> None:
    records, summary = run
    assert len(records) == 240 and summary["trajectories"] == 240
    assert len({t.id for t in records}) == 240
    assert summary["failures"] == {}
    for t in records:
        assert t.meta["backend"]["assistant"] == "scripted:assistant-v1"
        assert t.meta["backend"]["tool"] == "scripted:tool-v1"
        assert t.meta["chain"]["tools"] and t.meta["config_hash"] and t.meta["seed"] == 0


def test_every_call_names_a_record_tool_and_valid_calls_validate(run: tuple[list[Trajectory], dict]) -> None:
    records, _ = run
    calls = 0
    for t in records:
        tools = t.tool_by_name()
        results = _results(t)
        injected = {e["message_index"] for e in t.meta["injected_errors"]}
        for i, m in enumerate(t.messages):
            for call in m.tool_calls or []:
                calls += 1
                assert call.function.name in tools, (t.id, call.function.name)
                result = json.loads(results[call.id])
                if "error" in result:
                    assert i in injected, (t.id, i, result)  # only injected mistakes fail
                else:
                    assert validate_call(call, tools) is None, (t.id, call)
    assert calls > 240


def test_user_turns_end_with_stop(run: tuple[list[Trajectory], dict]) -> None:
    records, _ = run
    gradual = 0
    for t in records:
        users = [m for m in t.messages if m.role == "user"]
        assert t.messages[-1].role == "user" and users[-1].content.endswith(USER_STOP_TOKEN)
        assert all(USER_STOP_TOKEN not in m.content for m in users[:-1])
        assert t.messages[0].role == "user"
        # the goal is revealed gradually: separate steps are asked in separate user turns
        tools = {h["tool"] for h in t.meta["hidden_details"]}
        bundled = {"parallel", "multi_step"} & set(t.meta["situations"])
        if len(tools) >= 2 and not bundled and not t.meta["injected_trajectory_defects"]:
            gradual += 1
            askers = set()
            for i, m in enumerate(t.messages):
                if m.role == "assistant" and m.tool_calls:
                    askers.add(max(k for k in range(i) if t.messages[k].role == "user"))
            assert len(askers) >= 2, t.id
    assert gradual > 20


def test_situation_shares_and_injected_errors(run: tuple[list[Trajectory], dict]) -> None:
    records, summary = run
    shares = summary["situation_share"]
    for tag in (
        "single_call",
        "parallel",
        "multi_step",
        "follow_up",
        "missing_arg",
        "no_tool_fits",
        "decline",
        "direct_answer",
        "distractors",
    ):
        assert shares.get(tag, 0) > 0.03, (tag, shares)
    assert 0.2 < shares["distractors"] < 0.9
    kinds = Counter(e["kind"] for t in records for e in t.meta["injected_errors"])
    assert set(kinds) == {"wrong_type", "missing_required", "wrong_tool", "invented_date"}, kinds
    for t in records:
        for e in t.meta["injected_errors"]:
            bad = t.messages[e["message_index"]]
            assert bad.role == "assistant" and bad.tool_calls
            # a self-correction follows: a later assistant call to the right tool that succeeds
            later = [
                m for m in t.messages[e["message_index"] + 1 :] if m.role == "assistant" and m.tool_calls
            ]
            assert later, t.id
    defects = Counter(d for t in records for d in t.meta["injected_trajectory_defects"])
    assert sum(defects.values()) < 0.15 * len(records)


def _is_option(t: Trajectory, call: Any, name: str) -> bool:
    """Whether `name` of the called tool is a list of enum items."""
    for tool in t.tools:
        if tool.function.name == call.function.name:
            items = tool.function.parameters.get("properties", {}).get(name, {}).get("items")
            return isinstance(items, dict) and bool(items.get("enum"))
    return False


def test_stated_values_are_copied_exactly(run: tuple[list[Trajectory], dict]) -> None:
    """Every argument value was said by the user or returned by an earlier tool (no invented values),
    except in injected mistakes and leak defects."""
    records, _ = run
    checked = 0
    for t in records:
        if "hidden_detail_leak" in t.meta["injected_trajectory_defects"]:
            continue
        injected = {e["message_index"] for e in t.meta["injected_errors"]}
        seen = ""
        for i, m in enumerate(t.messages):
            if m.role in ("user", "tool"):
                seen += "\n" + m.content
            if m.role != "assistant" or not m.tool_calls or i in injected:
                continue
            for call in m.tool_calls:
                for name, value in call.function.parsed_arguments().items():
                    items = value if isinstance(value, list) else [value]
                    for item in items:
                        text = json.dumps(item) if isinstance(item, bool) else say(item)
                        if isinstance(item, bool) and text not in seen and len(words(name)) > 1:
                            # said in a natural phrase: "including the archived" for include_archived
                            ws = words(name)
                            text = (
                                f"the {' '.join(ws[1:])}"
                                if ws[-1] != "only"
                                else f"({' '.join(ws[:-1])} only)"
                            )
                        # a decimal rate is said as a percentage ("4.6%" for 0.046)
                        if isinstance(item, float) and 0 < item < 1 and f"{item * 100:.4g}%" in seen:
                            text = f"{item * 100:.4g}%"
                        if is_large_amount(item) and text not in seen:
                            # said as people write it ("2.5 million", "50,000"): read back as the
                            # filter's leak check reads it
                            assert _known(text, seen.lower(), 6), (t.id, call.function.name, item)
                            checked += 1
                            continue
                        if isinstance(value, list) and text not in seen and _is_option(t, call, name):
                            # one of a fixed set of options, said as people write it ("swimming pool"
                            # for "Swimming Pool")
                            text = text.lower()
                            assert text in seen.lower(), (t.id, call.function.name, item)
                            checked += 1
                            continue
                        assert text in seen, (t.id, call.function.name, item)
                        checked += 1
    assert checked > 300


def test_no_tool_turns_and_asks_make_no_call(run: tuple[list[Trajectory], dict]) -> None:
    records, _ = run
    declines = 0
    for t in records:
        for i, m in enumerate(t.messages):
            if m.role == "assistant":
                assert m.reasoning_content and len(m.reasoning_content) < 400
            if m.role == "assistant" and t.messages[i - 1].role == "user" and not m.tool_calls:
                declines += 1
                assert m.content
        if "missing_arg" in t.meta["situations"]:
            asks = [
                m
                for m in t.messages
                if m.role == "assistant" and not m.tool_calls and m.content.endswith("?")
            ]
            assert asks, t.id
    assert declines > 50


def test_plan_is_deterministic_per_seed_and_chain(tmp_path: Path) -> None:
    pool = load_default_pool()
    cfg = load_config(RECIPE)
    chains = json.loads(json.dumps([c.model_dump() for c in _chains(tmp_path, pool)]))
    from toolmind.schema import Chain

    specs = {t.name: t for t in pool}
    domains = default_pool_domains()
    a = [build_plan(Chain(**c), specs, pool, cfg, domains) for c in chains]
    b = [build_plan(Chain(**c), specs, pool, cfg, domains) for c in reversed(chains)][::-1]
    assert [p.items for p in a] == [p.items for p in b]
    cfg.seed = 1
    c = [build_plan(Chain(**ch), specs, pool, cfg, domains) for ch in chains]
    assert [p.items for p in a] != [p.items for p in c]


def _chains(tmp_path: Path, pool: list) -> list:
    from test_synth_support import make_chains

    return make_chains(pool, 20, seed=3)


def test_default_recipe_as_shipped_via_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`toolmind synth --config recipes/synth/default.yaml --out DIR`: chains sampled from the default pool's
    graph, scripted agents, at least 200 valid trajectories, every situation present in the summary."""
    from toolmind.cli import main as cli_main

    out = tmp_path / "out"
    assert cli_main(["synth", "--config", str(RECIPE), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    records = read_jsonl(out / "trajectories.jsonl", Trajectory, strict=True).records
    assert len(records) >= 200
    summary = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["summary"]
    assert summary["failures"] == {} and summary["missing"] == 0
    for tag in ("single_call", "parallel", "multi_step", "missing_arg", "no_tool_fits", "distractors"):
        assert summary["situation_share"].get(tag, 0) > 0.03, tag
        assert tag in printed
    for t in records:
        tools = t.tool_by_name()
        results = _results(t)
        injected = {e["message_index"] for e in t.meta["injected_errors"]}
        assert t.messages[-1].role == "user" and t.messages[-1].content.endswith(USER_STOP_TOKEN)
        for i, m in enumerate(t.messages):
            for call in m.tool_calls or []:
                assert call.function.name in tools
                if "error" not in json.loads(results[call.id]):
                    assert validate_call(call, tools) is None
                else:
                    assert i in injected


def test_a_recipe_builds_on_its_base_and_overrides_only_what_it_states(tmp_path: Path) -> None:
    (tmp_path / "child.yaml").write_text(f"base: {RECIPE}\nerrors:\n  turn_error_share: 1.0\n")
    child, base = load_config(tmp_path / "child.yaml"), load_config(RECIPE)
    assert child.errors.turn_error_share == 1.0
    assert child.errors.kinds == base.errors.kinds  # a nested section merges key by key
    assert child.situations == base.situations and child.num_chains == base.num_chains
    shipped = load_config(RECIPE.parent / "ablation-errors.yaml")
    assert shipped.errors.turn_error_share == 1.0 and shipped.situations == base.situations
    (tmp_path / "loop.yaml").write_text("base: loop.yaml\n")
    with pytest.raises(ValueError, match="loops back"):
        load_config(tmp_path / "loop.yaml")
    (tmp_path / "typo.yaml").write_text("base: child.yaml\nerrors: {turn_eror_share: 1.0}\n")
    with pytest.raises(ValueError, match="turn_eror_share"):
        load_config(tmp_path / "typo.yaml")
