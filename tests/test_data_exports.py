"""Exports keep messages, tools and per-turn masks; TRL and Axolotl round-trip exactly."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from test_filter_rules import GOOD_SEARCH, clean_trajectory, with_bad_search

from toolmind.cli import main
from toolmind.data.exports import export_dataset
from toolmind.data.hf import to_dataset
from toolmind.data.rows import from_axolotl_row, from_trl_row, to_axolotl_row, to_trl_row
from toolmind.schema import Message, ToolCall, ToolSpec, Trajectory, read_jsonl, write_jsonl


def masked_trajectory() -> Trajectory:
    """A bad call at message 4 masked with a reason, its correction trainable; a tool with `returns`."""
    traj = with_bad_search({"origin": "Boston", "destination": "Denver", "date": 20250714})
    traj.labels[1].train = False
    traj.labels[1].reasons = ["turn_rules: invalid_arguments (message 4): date: not a string"]
    spec = traj.tools[0].model_dump()
    spec["returns"] = {"type": "object", "properties": {"flights": {"type": "array"}}}
    traj.tools[0] = ToolSpec.model_validate(spec)
    traj.messages[6].reasoning_content = "The date must be a string; retry."
    traj.meta["backend"] = "scripted:toolmind-v1"
    return traj


def parallel_trajectory() -> Trajectory:
    return Trajectory(
        id="par",
        tools=clean_trajectory().tools,
        messages=[
            Message(role="user", content="Search Boston-Denver and Denver-Boston on 2025-07-14."),
            Message(
                role="assistant",
                tool_calls=[
                    ToolCall.make("p1", "search_flights", GOOD_SEARCH),
                    ToolCall.make(
                        "p2", "search_flights", {**GOOD_SEARCH, "origin": "Denver", "destination": "Boston"}
                    ),
                ],
            ),
            Message(role="tool", tool_call_id="p1", content='{"flights": []}'),
            Message(role="tool", tool_call_id="p2", content='{"flights": ["UA9"]}'),
            Message(role="assistant", content="Only Denver-Boston has a flight: UA9."),
            Message(role="user", content="###STOP###"),
        ],
    )


def test_trl_and_axolotl_rows_round_trip() -> None:
    for traj in (masked_trajectory(), clean_trajectory(), parallel_trajectory()):
        assert from_trl_row(to_trl_row(traj)) == traj
        assert from_axolotl_row(json.loads(json.dumps(to_axolotl_row(traj)))) == traj


def test_axolotl_row_has_per_message_train_flags() -> None:
    row = to_axolotl_row(masked_trajectory())
    flags = [(m["role"], m["train"]) for m in row["messages"]]
    assert flags[4] == ("assistant", False) and flags[6] == ("assistant", True)
    assert all(not train for role, train in flags if role != "assistant")
    assert isinstance(row["tools"], list) and "returns" not in row["tools"][0]


def test_cli_export_import_round_trip_through_files(tmp_path: Path) -> None:
    src = tmp_path / "in"
    trajs = [masked_trajectory(), clean_trajectory(), parallel_trajectory()]
    write_jsonl(src / "trajectories.jsonl", trajs)
    for fmt, reader in (("trl", from_trl_row), ("axolotl", from_axolotl_row)):
        out = tmp_path / fmt
        assert main(["data", "export", "--format", fmt, "--in", str(src), "--out", str(out)]) == 0
        rows = [json.loads(line) for line in (out / "train.jsonl").read_text().splitlines()]
        assert [reader(r) for r in rows] == trajs
    axolotl_cfg = yaml.safe_load((tmp_path / "axolotl" / "axolotl_dataset.yaml").read_text())
    assert axolotl_cfg["datasets"][0]["message_field_training"] == "train"


def test_arrow_round_trip_keeps_masks_and_json_strings(tmp_path: Path) -> None:
    trajs = [masked_trajectory(), clean_trajectory(), parallel_trajectory()]
    ds = to_dataset(trajs)
    assert ds.features["tools"].dtype == "string"
    back = [from_trl_row(row) for row in ds]
    assert back == trajs
    # No struct unification: the rendered arguments are exactly the originals, no null keys added.
    args = back[2].messages[1].tool_calls[0].function.arguments  # type: ignore[index]
    assert args == json.dumps(GOOD_SEARCH)


def test_sharegpt_splits_at_trainable_turns(tmp_path: Path) -> None:
    src = tmp_path / "in"
    write_jsonl(src / "trajectories.jsonl", [masked_trajectory(), parallel_trajectory()])
    manifest = export_dataset(src, tmp_path / "sg", "sharegpt")
    rows = [json.loads(line) for line in (tmp_path / "sg" / "train.jsonl").read_text().splitlines()]
    masked = masked_trajectory()
    # 6 assistant turns, 1 masked -> 5 samples; plus 2 for the parallel one.
    assert manifest["splits"]["train"] == {"trajectories": 2, "rows": 7}
    assert "split at every trainable" in manifest["masks"]
    first = [r for r in rows if r["id"].startswith(masked.id)]
    assert [r["id"] for r in first] == [f"{masked.id}#{i}" for i in (2, 6, 8, 10, 12)]
    for row in rows:
        tags = [t["from"] for t in row["conversations"]]
        assert tags[-1] in ("gpt", "function_call")
        assert all((t in ("human", "observation")) == (k % 2 == 0) for k, t in enumerate(tags))
    # The masked bad call (message 4) is only ever history, never a sample's last turn.
    retry = next(r for r in first if r["id"].endswith("#6"))
    assert json.loads(retry["conversations"][-3]["value"])["arguments"]["date"] == 20250714
    assert retry["conversations"][-1]["value"] and retry["system"] == "You are a travel assistant."
    par = next(r for r in rows if r["id"] == "par#4")
    assert json.loads(par["conversations"][2]["value"]) == ['{"flights": []}', '{"flights": ["UA9"]}']
    info = json.loads((tmp_path / "sg" / "dataset_info.json").read_text())
    assert info["toolmind_train"]["formatting"] == "sharegpt"
    assert manifest["not_carried"]["tool_call_ids_dropped"] == 2


def test_export_reads_build_splits(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "b" / "train.jsonl", [clean_trajectory("a")])
    write_jsonl(tmp_path / "b" / "validation.jsonl", [clean_trajectory("b")])
    manifest = export_dataset(tmp_path / "b", tmp_path / "o", "trl")
    assert set(manifest["splits"]) == {"train", "validation"}
    assert read_jsonl(tmp_path / "b" / "train.jsonl", Trajectory).records[0].id == "a"


def test_sharegpt_sample_reads_back_as_its_conversation_prefix(tmp_path: Path) -> None:
    from collections import Counter

    from toolmind.data.imports import read_apigen_mt
    from toolmind.data.sharegpt import to_sharegpt_samples

    traj = masked_trajectory()
    last = to_sharegpt_samples(traj, Counter())[-1]
    _, messages = read_apigen_mt(last, "x")
    original = traj.messages
    assert [m.role for m in messages] == [m.role for m in original[:-1]]
    for got, want in zip(messages, original, strict=False):
        assert got.content == want.content
        assert got.reasoning_content == want.reasoning_content
        calls = [(c.function.name, c.function.parsed_arguments()) for c in got.tool_calls or []]
        assert calls == [(c.function.name, c.function.parsed_arguments()) for c in want.tool_calls or []]


def test_sharegpt_export_survives_undecodable_masked_call(tmp_path: Path) -> None:
    traj = with_bad_search('{"origin": "Boston", ')
    traj.labels[1].train = False
    write_jsonl(tmp_path / "in" / "trajectories.jsonl", [traj])
    manifest = export_dataset(tmp_path / "in", tmp_path / "sg", "sharegpt")
    assert manifest["not_carried"]["undecodable_arguments_kept_as_string"] >= 1
    assert manifest["splits"]["train"]["rows"] == 5
