"""τ² building blocks that need no benchmark data: pass^k, copy-on-write DB + hash, tool schemas."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal, TypedDict

import pytest

from toolmind.eval.tau.data import Action, DataError
from toolmind.eval.tau.db import BaseDB
from toolmind.eval.tau.grading import pass_hat_k
from toolmind.eval.tau.report import combine_domains
from toolmind.eval.tau.runner import build_run_config
from toolmind.eval.tau.toolkit import ToolError, Toolkit, function_spec, tool


def test_pass_hat_k_hand_computed() -> None:
    # n = 4 trials; tasks with 4, 2, 0 and 1 successes.
    c = [4, 2, 0, 1]
    assert pass_hat_k(c, 4, 1) == pytest.approx((1 + 0.5 + 0 + 0.25) / 4)
    # C(2,2)/C(4,2) = 1/6; C(1,2) = 0 (c < k).
    assert pass_hat_k(c, 4, 2) == pytest.approx((1 + 1 / 6 + 0 + 0) / 4)
    assert pass_hat_k(c, 4, 3) == pytest.approx((1 + 0 + 0 + 0) / 4)
    assert pass_hat_k(c, 4, 4) == pytest.approx(0.25)
    assert pass_hat_k([3], 5, 2) == pytest.approx(math.comb(3, 2) / math.comb(5, 2))
    assert pass_hat_k([1, 1], 1, 1) == 1.0
    with pytest.raises(ValueError):
        pass_hat_k([1], 2, 3)


def test_episode_db_is_copy_on_write_and_hash_is_canonical() -> None:
    base = BaseDB({"users": {"a": {"x": 1, "tags": ["p"]}, "b": {"x": 2.5}}})
    e1, e2 = base.episode(), base.episode()
    h0 = e1.hash()
    e1.mut("users", "a")["tags"].append("q")
    assert base.tables["users"]["a"]["tags"] == ["p"]
    assert e2.get("users", "a") == {"x": 1, "tags": ["p"]}
    assert e1.hash() != h0 and e2.hash() == h0
    e1.mut("users", "a")["tags"].pop()
    assert e1.hash() == h0  # content, not history
    e2.mut("users", "a")["x"] = 1.0  # int vs float spelling does not matter
    assert e2.hash() == h0
    e2.put("users", "c", {"x": 3})
    assert list(e2.keys("users")) == ["a", "b", "c"] and e2.hash() != h0
    # Key order does not matter.
    assert (
        BaseDB({"t": {"k": {"a": 1, "b": 2}}}).episode().hash()
        == BaseDB({"t": {"k": {"b": 2, "a": 1}}}).episode().hash()
    )
    assert e2.materialize()["users"]["c"] == {"x": 3}


class Seat(TypedDict):
    """A seat.

    Attributes:
        row: Row number.
        letter: Seat letter.
    """

    row: int
    letter: str


class DemoTools(Toolkit):
    @tool("write")
    def reserve(
        self, name: str, seats: list[Seat], cabin: Literal["economy", "business"], note: str = ""
    ) -> str:
        """Reserve seats for a passenger.

        More text that is still description.

        Args:
            name: Passenger name,
                continued on a second line.
            seats: Seats to reserve.
            cabin: Cabin class.
            note: Free text.
        """
        if name == "nobody":
            raise ToolError("Passenger not found")
        return f"{name}:{len(seats)}:{cabin}"


def test_specs_come_from_signature_and_docstring() -> None:
    spec = function_spec(DemoTools.reserve).openai()["function"]
    assert spec["name"] == "reserve"
    assert spec["description"] == "Reserve seats for a passenger.\n\nMore text that is still description."
    props = spec["parameters"]["properties"]
    assert props["name"] == {"type": "string", "description": "Passenger name, continued on a second line."}
    assert props["cabin"]["enum"] == ["economy", "business"]
    assert props["seats"]["items"]["properties"]["row"] == {"type": "integer", "description": "Row number."}
    assert props["seats"]["items"]["required"] == ["letter", "row"]
    assert spec["parameters"]["required"] == ["name", "seats", "cabin"]


def test_calls_are_validated_and_errors_are_results() -> None:
    kit = DemoTools()
    assert kit.kind("reserve") == "write"
    ok = kit.call("reserve", {"name": "ann", "seats": [{"row": 1, "letter": "A"}], "cabin": "economy"})
    assert (ok.content, ok.error) == ("ann:1:economy", False)
    assert (
        kit.call("reserve", {"name": "nobody", "seats": [], "cabin": "economy"}).content
        == "Error: Passenger not found"
    )
    bad_enum = kit.call("reserve", {"name": "a", "seats": [], "cabin": "first"})
    assert bad_enum.error and "cabin" in bad_enum.content
    missing = kit.call("reserve", {"name": "a", "seats": [{"row": 1}], "cabin": "economy"})
    assert missing.error and "seats.0" in missing.content
    extra = kit.call("reserve", {"name": "a", "seats": [], "cabin": "economy", "bogus": 1})
    assert extra.error


def test_action_matching_uses_compare_args() -> None:
    a = Action(name="f", arguments={"x": 1, "y": 2})
    assert (
        a.matches("f", {"x": 1, "y": 2}) and not a.matches("f", {"x": 1, "y": 3}) and not a.matches("g", {})
    )
    assert Action(name="f", arguments={"x": 1, "y": 2}, compare_args=["x"]).matches("f", {"x": 1, "y": 9})
    assert Action(name="f", arguments={"x": 1}, compare_args=[]).matches("f", {"x": 5})


def test_run_config_from_yaml_and_overrides(tmp_path: Path) -> None:
    recipe = tmp_path / "r.yaml"
    recipe.write_text("domain: retail\nout: runs/x\ntrials: 4\nepisode:\n  max_steps: 7\n")
    cfg = build_run_config(str(recipe), {"trials": None, "concurrency": 2, "max_errors": 3, "data_dir": "/d"})
    assert (cfg.domain, cfg.out, cfg.trials, cfg.concurrency, cfg.data_dir) == (
        "retail",
        "runs/x",
        4,
        2,
        "/d",
    )
    assert (cfg.episode.max_steps, cfg.episode.max_errors) == (7, 3)
    recipe.write_text("domian: retail\n")
    with pytest.raises(DataError, match=r"r\.yaml: unknown field\(s\) \['domian'\]"):
        build_run_config(str(recipe), {})
    with pytest.raises(DataError, match="missing setting"):
        build_run_config(None, {"domain": "retail"})


def test_overall_score_is_the_unweighted_mean_of_domains(tmp_path: Path) -> None:
    reports = [
        {
            "domain": "airline",
            "pass^k": {"1": 0.5, "2": 0.25},
            "components": {},
            "agent_model": "a",
            "user_model": "u",
        },
        {
            "domain": "retail",
            "pass^k": {"1": 0.9, "2": 0.75},
            "components": {},
            "agent_model": "a",
            "user_model": "u",
        },
    ]
    overall = combine_domains(tmp_path, reports)
    assert overall["pass^k"] == {"1": pytest.approx(0.7), "2": pytest.approx(0.5)}
    assert "| **mean** | **0.7000** | **0.5000** |" in (tmp_path / "report.md").read_text()
