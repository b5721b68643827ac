"""`toolmind data build`: dedup, decontamination, split, Parquet/save_to_disk export and the dataset card."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_filter_rules import clean_trajectory

from toolmind.cli import main
from toolmind.data.build import build_dataset, split_of
from toolmind.data.config import BuildConfig
from toolmind.data.decontam import load_bfcl
from toolmind.data.rows import from_trl_row
from toolmind.schema import ToolSpec, Trajectory, read_jsonl, write_jsonl

LONG_GOAL = (
    "Find a flight from Boston to Denver in July and book the cheapest seat for Jane Doe with extra legroom"
)
BFCL_PROMPT = "Calculate the area of a triangle with base 10 units and height 5 units please"


def with_goal(tid: str, goal: str, user_text: str | None = None) -> Trajectory:
    traj = clean_trajectory(tid)
    traj.meta["goal"] = goal
    if user_text:
        traj.messages[1].content = user_text
    return traj


def bench_dirs(tmp_path: Path) -> tuple[Path, Path]:
    bfcl = tmp_path / "bfcl"
    bfcl.mkdir()
    entry = {
        "id": "simple_python_0",
        "question": [[{"role": "user", "content": BFCL_PROMPT}]],
        "function": [{"name": "calculate_triangle_area", "parameters": {"type": "dict", "properties": {}}}],
    }
    (bfcl / "BFCL_v4_simple_python.json").write_text(json.dumps(entry) + "\n")
    tau = tmp_path / "tau2" / "airline"
    tau.mkdir(parents=True)
    task = {
        "id": "7",
        "user_scenario": {
            "instructions": {"reason_for_call": "You want to cancel reservation EHGLP3 because you are sick."}
        },
        "evaluation_criteria": {"actions": [{"name": "cancel_reservation", "arguments": {}}]},
    }
    (tau / "tasks.json").write_text(json.dumps([task]))
    return bfcl, tau.parent


def inputs(tmp_path: Path) -> Path:
    tool_hit = with_goal("tool-hit", "Compute a triangle")
    spec = tool_hit.tools[0].model_dump()
    spec["function"]["name"] = "calculate_triangle_area"
    tool_hit.tools.append(ToolSpec.model_validate(spec))
    trajs = [
        with_goal("a", LONG_GOAL),
        with_goal("exact", LONG_GOAL.upper() + "!"),
        with_goal("near", LONG_GOAL + " too"),
        with_goal("bfcl", "Geometry homework", f"Hi! {BFCL_PROMPT}."),
        with_goal(
            "tau", "Cancel", "Hello, you want to cancel reservation EHGLP3 because you are sick, right?"
        ),
        tool_hit,
        *[
            with_goal(f"g{i}", f"Unrelated goal number {i} about {w}")
            for i, w in enumerate(["cats", "tax", "jazz", "rice"])
        ],
    ]
    src = tmp_path / "filtered"
    write_jsonl(src / "trajectories.jsonl", trajs)
    (src / "manifest.json").write_text(
        json.dumps(
            {
                "command": "filter",
                "judge": {"model": "scripted:judge-v1"},
                "stats": {
                    "stages": [
                        {
                            "stage": "rules",
                            "level": "trajectory",
                            "in": 12,
                            "out": 10,
                            "dropped": 2,
                            "drop_reasons": {"no_stop": 2},
                        }
                    ]
                },
            }
        )
    )
    return src


def test_build_end_to_end(tmp_path: Path) -> None:
    from datasets import load_dataset, load_from_disk

    bfcl, tau = bench_dirs(tmp_path)
    cfg = BuildConfig(
        bfcl_data_dir=str(bfcl), tau_data_dir=str(tau), validation_fraction=0.3, dataset_name="demo"
    )
    manifest = build_dataset([inputs(tmp_path)], tmp_path / "ds", cfg)
    stats = manifest["stats"]
    assert stats["exact_duplicate_goals_dropped"] == 1 and stats["near_duplicate_goals_dropped"] == 1
    assert stats["decontamination_prompt_hits"] == 2 and stats["decontamination_tool_name_hits"] == 1
    assert stats["decontamination_dropped"] == 2
    out = tmp_path / "ds"
    hits = json.loads((out / "decontamination.json").read_text())["hits"]
    assert hits["bfcl"]["prompt"]["item"] == "simple_python_0"
    assert hits["tau"]["prompt"]["item"] == "airline/7"
    assert hits["tool-hit"]["tools"] == [
        {"tool": "calculate_triangle_area", "benchmark": "bfcl_v4", "item": "simple_python_0"}
    ]
    train = read_jsonl(out / "train.jsonl", Trajectory, strict=True).records
    val = read_jsonl(out / "validation.jsonl", Trajectory, strict=True).records
    assert sorted(t.id for t in train + val) == sorted(["a", "tool-hit", "g0", "g1", "g2", "g3"])
    assert all(split_of(t.id, 0.3, 0) == "validation" for t in val)
    # The user's closing "Thanks! ###STOP###" is gone; the assistant's answer before it is the last turn.
    assert stats["stop_turns_removed"] == 6
    assert all(t.messages[-1].content == "Booked: confirmation ABC123." for t in train + val)
    assert not any("###STOP###" in m.content for t in train + val for m in t.messages)
    parquet = load_dataset(
        "parquet", data_files={"train": str(out / "data" / "train-00000-of-00001.parquet")}
    )["train"]
    assert [from_trl_row(r) for r in parquet] == train
    assert load_from_disk(str(out / "hf"))["train"].num_rows == len(train)
    card = (out / "README.md").read_text()
    for needle in (
        "# demo",
        "## Composition",
        "## Filter statistics (judge: scripted:judge-v1)",
        "| rules |",
        "near_duplicate_goals_dropped",
        "## Config",
        "validation_fraction: 0.3",
        "data/train-*.parquet",
    ):
        assert needle in card, needle


def test_cli_build_without_decontamination(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = inputs(tmp_path)
    assert (
        main(
            [
                "data",
                "build",
                "--in",
                str(src),
                "--out",
                str(tmp_path / "ds"),
                "--no-decontaminate",
                "--validation-fraction",
                "0",
                "--seed",
                "3",
            ]
        )
        == 0
    )
    manifest = json.loads((tmp_path / "ds" / "manifest.json").read_text())
    assert manifest["config"]["seed"] == 3
    assert manifest["stats"]["train_trajectories"] == 8 and "validation_trajectories" not in manifest["stats"]
    assert "exact_duplicate_goals_dropped" in capsys.readouterr().out


def test_build_can_keep_the_stop_turn(tmp_path: Path) -> None:
    cfg = BuildConfig(decontaminate=False, validation_fraction=0.0, strip_stop_turn=False)
    manifest = build_dataset([inputs(tmp_path)], tmp_path / "ds", cfg)
    assert "stop_turns_removed" not in manifest["stats"]
    train = read_jsonl(tmp_path / "ds" / "train.jsonl", Trajectory, strict=True).records
    assert all(t.messages[-1].content == "Thanks! ###STOP###" for t in train)


def test_installed_bfcl_data_loads() -> None:
    bench = load_bfcl()
    assert len(bench.prompts) > 5000 and "calculate_triangle_area" in bench.tools
