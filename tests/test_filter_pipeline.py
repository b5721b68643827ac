"""The filter end to end: each planted defect handled by its stage, outputs, stats, switches, resume."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_filter_rules import GOOD_SEARCH, call, clean_messages, clean_trajectory, make, with_bad_search

from toolmind.cli import main
from toolmind.filter.config import FilterConfig
from toolmind.filter.judge import parse_verdict
from toolmind.filter.pipeline import run_filter
from toolmind.llm.base import ChatRequest, Completion
from toolmind.schema import Message, Trajectory, read_jsonl, write_jsonl


def uncorrected() -> Trajectory:
    """A bad call answered by an error that is never retried: rules only mask; the judge must drop it."""
    msgs = [
        *clean_messages()[:4],
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [call("c1", "search_flights", {"origin": "Boston"})],
        },
        {"role": "tool", "tool_call_id": "c1", "content": json.dumps({"error": "missing destination"})},
        {"role": "assistant", "content": "Sorry, I cannot find flights."},
        {"role": "user", "content": "Oh well. ###STOP###"},
    ]
    return make(msgs, "uncorrected")


def role_confused() -> Trajectory:
    msgs = clean_messages()
    msgs[10]["content"] = "Booked: confirmation ABC123. ###STOP###"
    return make(msgs, "role-confused")


def no_stop() -> Trajectory:
    msgs = clean_messages()
    msgs[-1]["content"] = "Thanks."
    return make(msgs, "no-stop")


def planted(tmp_path: Path) -> Path:
    records = [
        clean_trajectory("clean"),
        with_bad_search(
            {"origin": "Boston", "destination": "Denver", "date": 20250714}
        ),  # id bad-search_flights
        with_bad_search(GOOD_SEARCH, "find_flights"),  # id bad-find_flights
        no_stop(),
        uncorrected(),
        role_confused(),
    ]
    src = tmp_path / "in"
    write_jsonl(src / "trajectories.jsonl", records)
    return src


def by_id(path: Path) -> dict[str, Trajectory]:
    return {t.id: t for t in read_jsonl(path, Trajectory, strict=True).records}


def test_cli_filters_planted_defects_by_the_right_stage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["filter", "--in", str(planted(tmp_path)), "--out", str(out)]) == 0
    kept, dropped = by_id(out / "trajectories.jsonl"), by_id(out / "dropped.jsonl")
    assert set(kept) == {"clean", "bad-search_flights", "bad-find_flights"}
    assert {k: v.meta["filter"]["dropped"]["stage"] for k, v in dropped.items()} == {
        "no-stop": "rules",
        "uncorrected": "judge",
        "role-confused": "judge",
    }
    assert "no_stop" in dropped["no-stop"].meta["filter"]["dropped"]["rules"]
    assert all(label.train for label in kept["clean"].labels)
    for tid in ("bad-search_flights", "bad-find_flights"):
        labels = {label.message_index: label for label in kept[tid].labels}
        # The bad call (message 4) is masked with a reason; its self-correction (message 6) stays trainable.
        assert not labels[4].train and labels[4].reasons[0].startswith("turn_rules: ")
        assert [i for i, lab in labels.items() if not lab.train] == [4]
        assert labels[6].train
        assert len(kept[tid].messages) == 14  # the masked turn stays in the conversation
    manifest = json.loads((out / "manifest.json").read_text())
    stats = manifest["stats"]
    assert (stats["records"], stats["kept"], stats["dropped"]) == (6, 3, 3)
    rows = {r["stage"]: r for r in stats["stages"]}
    assert (rows["rules"]["in"], rows["rules"]["out"]) == (6, 5)
    assert (rows["judge"]["in"], rows["judge"]["out"]) == (5, 3)
    assert rows["turn_rules"]["turns_masked"] == 2
    assert rows["turn_rules"]["mask_reasons"] == {"invalid_arguments": 1, "unknown_tool": 1}
    assert manifest["judge"]["model"] == "scripted:judge-v1"
    assert manifest["totals"] == {
        "trajectories_in": 6,
        "kept_trajectories": 3,
        "dropped_trajectories": 3,
        "assistant_turns": 17,
        "masked_turns": 2,
    }
    assert stats["masked_turn_share"] == pytest.approx(2 / (5 + 6 + 6))
    printed = capsys.readouterr().out
    assert "turn_rules" in printed and "kept 3/6" in printed


def test_stage_switches(tmp_path: Path) -> None:
    src = planted(tmp_path)
    main(["filter", "--in", str(src), "--out", str(tmp_path / "a"), "--no-trajectory-filter"])
    kept = by_id(tmp_path / "a" / "trajectories.jsonl")
    assert len(kept) == 6  # nothing dropped: only turn stages ran
    assert not kept["uncorrected"].labels[1].train  # message 4 of the uncorrected one is masked
    main(["filter", "--in", str(src), "--out", str(tmp_path / "b"), "--no-turn-filter"])
    kept = by_id(tmp_path / "b" / "trajectories.jsonl")
    assert set(kept) == {"clean", "bad-search_flights", "bad-find_flights"}
    assert all(label.train for t in kept.values() for label in t.labels)
    main(["filter", "--in", str(src), "--out", str(tmp_path / "c"), "--stages", "rules,turn_rules"])
    manifest = json.loads((tmp_path / "c" / "manifest.json").read_text())
    assert [r["stage"] for r in manifest["stats"]["stages"]] == ["rules", "turn_rules", "all_masked"]
    assert manifest["judge"] == {}
    with pytest.raises(ValueError, match="unknown filter stage"):
        FilterConfig(stages=["rulez"])


def test_fully_masked_trajectory_is_dropped(tmp_path: Path) -> None:
    msgs = [
        {"role": "user", "content": "Find flights Boston to Denver on 2025-07-14."},
        {"role": "assistant", "content": "", "tool_calls": [call("c1", "find_flights", GOOD_SEARCH)]},
        {"role": "tool", "tool_call_id": "c1", "content": json.dumps({"error": "unknown tool"})},
        {"role": "user", "content": "Never mind. ###STOP###"},
    ]
    write_jsonl(tmp_path / "in" / "trajectories.jsonl", [make(msgs, "only-bad")])
    manifest = run_filter(tmp_path / "in", tmp_path / "out", FilterConfig(stages=["turn_rules"]))
    dropped = by_id(tmp_path / "out" / "dropped.jsonl")
    assert dropped["only-bad"].meta["filter"]["dropped"]["stage"] == "all_masked"
    assert manifest["stats"]["stages"][-1]["dropped"] == 1


def test_resume_and_bad_input_lines(tmp_path: Path) -> None:
    src = planted(tmp_path)
    with open(src / "trajectories.jsonl", "a") as fh:
        fh.write('{"id": "broken", "messages": "nope"}\n{not json\n')
    out = tmp_path / "out"
    first = run_filter(src, out, FilterConfig(batch_size=2))
    assert first["input"]["bad_records"] == 2
    assert any(":7: field 'messages'" in e for e in first["input"]["errors"])
    # Simulate a run killed after writing part of its output: drop the last kept line, tear another one.
    kept_path = out / "trajectories.jsonl"
    lines = kept_path.read_text().splitlines(keepends=True)
    kept_path.write_text("".join(lines[:1]) + lines[1][:30])
    second = run_filter(src, out, FilterConfig(batch_size=2))
    ids = [json.loads(line)["id"] for line in kept_path.read_text().splitlines()]
    assert sorted(ids) == sorted(["clean", "bad-search_flights", "bad-find_flights"])
    assert second["stats"]["records"] == 6


class CannedJudge:
    """A model stand-in answering every judge prompt with fixed text; counts its calls."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.calls = 0

    @property
    def name(self) -> str:
        return "canned:judge"

    async def complete(self, request: ChatRequest) -> Completion:
        self.calls += 1
        assert (
            "TURN UNDER REVIEW" in request.messages[0].content
            or "four criteria" in request.messages[0].content
        )
        return Completion(
            message=Message(role="assistant", content=self.text), model="judge", backend="canned"
        )


def test_model_judge_verdicts_are_cached(tmp_path: Path) -> None:
    src = tmp_path / "in"
    write_jsonl(src / "trajectories.jsonl", [clean_trajectory("a"), clean_trajectory("b")])
    backend = CannedJudge('<think>ok</think>{"verdict": "pass", "reasons": []}')
    cfg = FilterConfig(cache_dir=str(tmp_path / "cache"))
    run_filter(src, tmp_path / "o1", cfg, backend=backend)
    # a and b have identical content: 1 trajectory prompt + 5 turn prompts, the rest from the cache.
    assert backend.calls == 6
    manifest = run_filter(src, tmp_path / "o2", cfg, backend=backend)
    assert backend.calls == 6 and manifest["judge"]["cache_hits"] == 12


def test_unparseable_judge_output_fails_conservatively(tmp_path: Path) -> None:
    src = tmp_path / "in"
    write_jsonl(src / "trajectories.jsonl", [clean_trajectory("a")])
    manifest = run_filter(src, tmp_path / "o", FilterConfig(), backend=CannedJudge("I think it is fine."))
    assert manifest["stats"]["kept"] == 0 and manifest["judge"]["unparseable"] == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"verdict": "pass", "reasons": []}', (True, [])),
        ('x {"coherence": false, "verdict": "pass"} y', (False, ["coherence failed"])),
        ('```json\n{"verdict": "FAIL", "reasons": "bad call"}\n```', (False, ["bad call"])),
        ('{"verdict": "maybe"}', None),
    ],
)
def test_parse_verdict(text: str, expected: Any) -> None:
    verdict = parse_verdict(text)
    assert (verdict.passed, verdict.reasons) == expected if verdict else expected is None


def test_wrong_existing_tool_with_valid_arguments_is_masked_by_the_turn_judge(tmp_path: Path) -> None:
    """An existing tool that happens to accept the arguments: no rule fires; the judge sees the next turn
    re-send the same arguments to another tool without new user input, and masks the first."""
    tools = clean_trajectory().tools
    spec = tools[0].model_dump()
    spec["function"]["name"] = "search_trains"
    msgs = clean_messages()
    wrong = [
        {"role": "assistant", "content": "", "tool_calls": [call("w1", "search_trains", GOOD_SEARCH)]},
        {"role": "tool", "tool_call_id": "w1", "content": json.dumps({"trains": []})},
    ]
    traj = make([*msgs[:4], *wrong, *msgs[4:]], "wrong-tool")
    traj.tools.append(type(tools[0]).model_validate(spec))
    write_jsonl(tmp_path / "in" / "trajectories.jsonl", [traj])
    run_filter(tmp_path / "in", tmp_path / "out", FilterConfig())
    (kept,) = by_id(tmp_path / "out" / "trajectories.jsonl").values()
    masked = [(lab.message_index, lab.reasons[0][:30]) for lab in kept.labels if not lab.train]
    assert masked == [(4, "turn_judge: wrong tool: the ne")]


def _repeat() -> Trajectory:
    msgs = clean_messages()
    again = [
        {"role": "assistant", "content": "", "tool_calls": [call("r1", "search_flights", GOOD_SEARCH)]},
        {"role": "tool", "tool_call_id": "r1", "content": json.dumps({"flights": [{"flight_id": "UA123"}]})},
    ]
    return make([*msgs[:6], *again, *msgs[6:]], "repeat")


def _invented_date() -> Trajectory:
    msgs = clean_messages()
    msgs[3] = {"role": "user", "content": "Tomorrow, please."}
    bad = [
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [call("d0", "search_flights", {**GOOD_SEARCH, "date": "2024-03-05"})],
        },
        {"role": "tool", "tool_call_id": "d0", "content": json.dumps({"flights": []})},
        {"role": "assistant", "content": "No flights on 2024-03-05."},
        {"role": "user", "content": "Tomorrow is 2025-07-14, not 2024-03-05."},
    ]
    return make([*msgs[:4], *bad, *msgs[4:]], "date")


def _parse_error() -> Trajectory:
    msgs = clean_messages()
    bad = {"role": "assistant", "content": "<tool_call>{oops", "parse_error": "invalid JSON in <tool_call>"}
    return make([*msgs[:4], bad, *msgs[4:]], "parse")


TURN_PLANTS = {
    "wrong_type": (lambda: with_bad_search({**GOOD_SEARCH, "date": 20250714}), 4),
    "missing_required": (lambda: with_bad_search({"origin": "Boston", "date": "2025-07-14"}), 4),
    "unknown_tool": (lambda: with_bad_search(GOOD_SEARCH, "find_flights"), 4),
    "unparseable_arguments": (lambda: with_bad_search('{"origin": '), 4),
    "unexpected_argument": (lambda: with_bad_search({**GOOD_SEARCH, "cabin": "x"}), 4),
    "tool_error": (lambda: with_bad_search({**GOOD_SEARCH, "destination": "Atlantis"}), 4),
    "invented_date": (_invented_date, 4),
    "repeated_call": (_repeat, 6),
    "parse_error": (_parse_error, 4),
}


def _mutated(mutate: Any, tid: str) -> Trajectory:
    msgs = clean_messages()
    mutate(msgs)
    return make(msgs, tid)


TRAJECTORY_PLANTS = {
    "no_stop": lambda: _mutated(lambda m: m[-1].update(content="Thanks."), "x"),
    "user_gave_up": lambda: _mutated(lambda m: m[-1].update(content="Never mind. ###STOP###"), "x"),
    "unpaired_result": lambda: _mutated(lambda m: m[5].update(tool_call_id="zzz"), "x"),
    "unanswered_call": lambda: _mutated(lambda m: m.pop(9), "x"),
    "duplicate_call_id": lambda: _mutated(lambda m: m[8]["tool_calls"][0].update(id="c1"), "x"),
    "hidden_detail_leak": lambda: _mutated(lambda m: m[7].update(content="Yes, book it."), "x"),
}


@pytest.mark.parametrize("rule", sorted(TURN_PLANTS))
def test_turn_defect_masks_exactly_the_bad_turn(tmp_path: Path, rule: str) -> None:
    build, bad_index = TURN_PLANTS[rule]
    write_jsonl(tmp_path / "in" / "trajectories.jsonl", [build()])
    run_filter(tmp_path / "in", tmp_path / "out", FilterConfig())
    (kept,) = by_id(tmp_path / "out" / "trajectories.jsonl").values()
    masked = [lab for lab in kept.labels if not lab.train]
    assert [lab.message_index for lab in masked] == [bad_index]
    expected = {"wrong_type": "invalid_arguments", "missing_required": "invalid_arguments"}.get(rule, rule)
    assert expected in masked[0].reasons[0]
    after = [lab for lab in kept.labels if lab.message_index > bad_index]
    assert after and after[0].train  # the self-correction stays trainable


@pytest.mark.parametrize("rule", sorted(TRAJECTORY_PLANTS))
def test_trajectory_defect_drops_at_the_rules_stage(tmp_path: Path, rule: str) -> None:
    write_jsonl(tmp_path / "in" / "trajectories.jsonl", [TRAJECTORY_PLANTS[rule]()])
    run_filter(tmp_path / "in", tmp_path / "out", FilterConfig())
    (dropped,) = by_id(tmp_path / "out" / "dropped.jsonl").values()
    assert dropped.meta["filter"]["dropped"]["stage"] == "rules"
    assert rule in dropped.meta["filter"]["dropped"]["rules"]
