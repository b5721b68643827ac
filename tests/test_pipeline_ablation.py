"""The filter ablation end to end at tiny scale: real stages, tiny Qwen3, official BFCL scorer.

Every stage runs for real as a subprocess (graph, chains, scripted synthesis, the four filter settings,
dataset build, SFT of a tiny random Qwen3, BFCL generation + official scoring on a 2-entry sample), so this
test proves the ablation machinery produces its table and plot, and that a rerun skips finished stages.
"""

from __future__ import annotations

import csv
import json
import math
import re
import time
from pathlib import Path

import pytest
import yaml

from toolmind.pipeline.ablate import plan_ablation, run_ablation
from toolmind.pipeline.config import AblationConfig, ConfigError, load_ablation_config

ROOT = Path(__file__).resolve().parents[1]


def _configs(tmp_path: Path, model_dir: Path) -> Path:
    # The default recipe with errors injected into half the trajectories: with 10 chains, its own 0.2
    # share can draw none, and the turn filter would have nothing to mask.
    synth = yaml.safe_load((ROOT / "recipes/synth/default.yaml").read_text())
    synth["errors"]["turn_error_share"] = 0.5
    (tmp_path / "synth.yaml").write_text(yaml.safe_dump(synth))
    pipeline = {
        "name": "tiny",
        "run_dir": str(tmp_path / "unused"),
        "seed": 0,
        "graph_args": {"embedder": "lexical", "cache-dir": str(tmp_path / "emb")},
        "chains": 10,
        "synth_config": str(tmp_path / "synth.yaml"),
        "synth_args": {"limit": 10},
        "base_model": str(model_dir),
        "train_config": str(ROOT / "recipes/tiny/sft/config_tiny.yaml"),
        "train_args": {"max_steps": 2, "save_steps": 2, "logging_steps": 1},
        "bfcl": {
            "categories": ["simple_python", "irrelevance"],
            "sample": 2,
            "seed": 0,
            "thinking": False,
            "args": {"max-new-tokens": 8, "batch-size": 2},
        },
        "evaluate_base": True,
    }
    (tmp_path / "pipeline.yaml").write_text(yaml.safe_dump(pipeline))
    ablation = {
        "pipeline": str(tmp_path / "pipeline.yaml"),
        "run_dir": str(tmp_path / "ablation"),
        "imitation": {"chains": 4, "max_new_tokens": 8, "batch_size": 4},
    }
    (tmp_path / "ablation.yaml").write_text(yaml.safe_dump(ablation))
    return tmp_path / "ablation.yaml"


def _run_variant(tmp_path: Path, model_dir: Path, **changes: object) -> tuple[AblationConfig, Path]:
    """The tiny ablation with `changes` to its config and no base-model row, run; its config and
    directory."""
    path = _configs(tmp_path, model_dir)
    ablation = {**yaml.safe_load(path.read_text()), **changes, "overrides": {"evaluate_base": False}}
    path.write_text(yaml.safe_dump(ablation))
    cfg = load_ablation_config(path)
    out = tmp_path / "ablation"
    assert run_ablation(cfg) == out / "ablation.md"
    assert (out / "ablation.png").stat().st_size > 1000
    return cfg, out


@pytest.mark.skipif(not (ROOT / ".venv-bfcl" / "bin" / "python").exists(), reason="needs `make install-bfcl`")
def test_filter_ablation_end_to_end(tmp_path: Path, tiny_qwen3_dir: Path) -> None:
    cfg = load_ablation_config(_configs(tmp_path, tiny_qwen3_dir))
    table = run_ablation(cfg)
    out = tmp_path / "ablation"
    assert table == out / "ablation.md"
    assert (out / "ablation.png").stat().st_size > 1000
    with open(out / "ablation.csv", encoding="utf-8") as fh:
        rows = {r["setting"]: r for r in csv.DictReader(fh)}
    assert set(rows) == {"base model (no SFT)", "none", "trajectory", "turn", "both"}
    for name in ("none", "trajectory", "turn", "both"):
        assert rows[name]["simple_python_n"] == "2" and rows[name]["irrelevance_n"] == "2"
        assert (out / name / "train" / ".stage.json").exists()
    # Filters off drop and mask nothing; the turn filter masks the injected bad turns.
    assert rows["none"]["dropped_trajectories"] in ("0", "")
    assert rows["none"]["masked_turns"] in ("0", "")
    assert int(rows["turn"]["masked_turns"] or 0) > 0
    report = json.loads((out / "both" / "eval" / "bfcl-tuned" / "report.json").read_text())
    assert report["categories"]["simple_python"]["total"] == 2
    # Every failure has its scorer error type; the ablation sums the injected-mistake kinds among them.
    for cat in report["categories"].values():
        assert sum(cat["error_types"].values()) == cat["total"] - cat["correct"]
    for name in ("none", "trajectory", "turn", "both"):
        kinds = [int(rows[name][f"bfcl_{k}"]) for k in ("wrong_type", "missing_required", "wrong_tool")]
        assert 0 <= sum(kinds) <= sum(int(rows[name][f"{c}_n"]) for c in ("simple_python", "irrelevance"))

    # The imitation probe ran on one held-out set for every row (its own chains, not the training ones).
    points = {rows[name]["imitation_points"] for name in ("none", "trajectory", "turn", "both")}
    assert len(points) == 1 and int(points.pop()) > 0
    for name in ("none", "trajectory", "turn", "both"):
        assert 0 <= float(rows[name]["imitation_mistake_rate"]) <= 100
        assert (out / name / "eval" / "imitation" / "points.jsonl").exists()
    assert (out / "shared" / "probe-synth" / "trajectories.jsonl").exists()

    started = time.time()
    run_ablation(cfg)  # everything is finished: the rerun only checks stage keys
    assert time.time() - started < 30


def test_ablation_counts_bfcl_failures_of_the_injected_mistake_kinds() -> None:
    from toolmind.pipeline.ablate import _mistake_counts

    report = {
        "categories": {
            "simple_python": {
                "error_types": {
                    "type_error:simple": 2,
                    "simple_function_checker:missing_required": 1,
                    "value_error:string": 4,
                }
            },
            "multiple": {
                "error_types": {"simple_function_checker:wrong_func_name": 3, "type_error:nested": 1}
            },
        }
    }
    assert _mistake_counts(report) == {"bfcl_wrong_type": 3, "bfcl_missing_required": 1, "bfcl_wrong_tool": 3}
    older = {"categories": {"simple_python": {"correct": 1, "total": 2}}}  # written before error_types
    assert _mistake_counts(older) == dict.fromkeys(
        ("bfcl_wrong_type", "bfcl_missing_required", "bfcl_wrong_tool")
    )


@pytest.mark.skipif(not (ROOT / ".venv-bfcl" / "bin" / "python").exists(), reason="needs `make install-bfcl`")
def test_ablation_over_seeds_runs_each_seed_and_aggregates(tmp_path: Path, tiny_qwen3_dir: Path) -> None:
    settings = [
        {"name": "none", "filter": {"trajectory": False, "turn": False}},
        {"name": "turn", "filter": {"trajectory": False, "turn": True}},
    ]
    cfg, out = _run_variant(tmp_path, tiny_qwen3_dir, seeds=[0, 1], settings=settings)

    def table(where: Path) -> dict[str, dict[str, str]]:
        with open(where / "ablation.csv", encoding="utf-8") as fh:
            return {r["setting"]: r for r in csv.DictReader(fh)}

    per_seed = {seed: table(out / f"seed{seed}") for seed in (0, 1)}
    # Each seed is a whole ablation of its own: its own chains and synthesis, so its own data.
    synth = [(out / f"seed{s}" / "shared" / "synth" / "trajectories.jsonl").read_text() for s in (0, 1)]
    assert synth[0] and synth[1] and synth[0] != synth[1]
    top = table(out)
    assert set(top) == {"none", "turn"}
    for name in ("none", "turn"):
        row = top[name]
        assert row["seeds"] == "0 1"
        assert row["simple_python_n"] == "4"  # 2 sampled entries x 2 seeds
        assert row["pooled_per_seed"] == " / ".join(per_seed[s][name]["pooled"] for s in (0, 1))
        points = sum(int(per_seed[s][name]["imitation_points"]) for s in (0, 1))
        assert int(row["imitation_points"]) == points
        assert row["masked_turns"] == " / ".join(per_seed[s][name]["masked_turns"] for s in (0, 1))
    assert not (out / "shared").exists()  # nothing outside the seeds' own folders

    started = time.time()
    run_ablation(cfg)
    assert time.time() - started < 30


@pytest.mark.skipif(not (ROOT / ".venv-bfcl" / "bin" / "python").exists(), reason="needs `make install-bfcl`")
def test_ablation_over_training_seeds_trains_one_dataset_at_each_seed(
    tmp_path: Path, tiny_qwen3_dir: Path
) -> None:
    settings = [{"name": "turn", "filter": {"trajectory": False, "turn": True}}]
    decisions = {"irrelevance_target": 0.5, "batch_size": 2}
    cfg, out = _run_variant(
        tmp_path, tiny_qwen3_dir, train_seeds=[0, 1], settings=settings, decisions=decisions
    )
    with open(out / "ablation.csv", encoding="utf-8") as fh:
        (row,) = list(csv.DictReader(fh))
    assert (row["setting"], row["train_seeds"]) == ("turn", "0 1")

    models = [out / "turn" / f"train-seed{seed}" for seed in (0, 1)]
    # One dataset, trained at each seed: the same --dataset_path, each model's own --seed.
    argvs = [json.loads((m / "train" / ".stage.json").read_text())["argv"] for m in models]
    assert {a[a.index("--dataset_path") + 1] for a in argvs} == {str(out / "turn" / "data")}
    assert [a[a.index("--seed") + 1] for a in argvs] == ["0", "1"]
    weights = [(m / "train" / "model.safetensors").read_bytes() for m in models]
    assert weights[0] != weights[1]  # another order of the same data trains another model
    assert not (out / "turn" / "train").exists()

    # The row sums both models' entries and lists each model's scores, read from its own report.
    reports = [json.loads((m / "eval" / "bfcl-tuned" / "report.json").read_text()) for m in models]
    assert row["simple_python_n"] == row["irrelevance_n"] == "4"  # 2 sampled entries x 2 models
    correct = [sum(c["correct"] for c in r["categories"].values()) for r in reports]
    assert row["pooled_per_train_seed"] == " / ".join(str(round(100 * c / 4, 1)) for c in correct)
    irrelevance = [r["categories"]["irrelevance"]["correct"] for r in reports]
    assert row["irrelevance_per_train_seed"] == " / ".join(str(round(100 * c / 2, 1)) for c in irrelevance)
    # The filter ran once: one count, not a list.
    manifest = json.loads((out / "turn" / "filter" / "manifest.json").read_text())
    assert row["masked_turns"] == str(manifest["totals"]["masked_turns"]) and int(row["masked_turns"]) > 0
    probes = [json.loads((m / "eval" / "imitation" / "report.json").read_text())["points"] for m in models]
    assert int(row["imitation_points"]) == sum(probes)

    # The call-or-decline judgement of each model, on its own checkpoint and BFCL outputs: listed per
    # model (each has its own threshold), never pooled.
    judged = [json.loads((m / "eval" / "decisions" / "report.json").read_text()) for m in models]
    for m, report in zip(models, judged, strict=True):
        argv = json.loads((m / "eval" / "decisions" / ".stage.json").read_text())["argv"]
        assert argv[argv.index("--model") + 1] == str(m / "train")
        assert argv[argv.index("--results") + 1] == str(m / "eval" / "bfcl-tuned")
        assert report["settings"]["irrelevance_target"] == 0.5
        assert report["entries"] == {"simple_python": 2, "irrelevance": 2}
    _check_decisions_columns(row, judged)
    notes = (out / "ablation.md").read_text()
    assert "a diagnostic, not a BFCL score (the threshold is fitted on the benchmark)" in notes
    assert "irrelevance reaches 50%" in notes

    started = time.time()
    run_ablation(cfg)
    assert time.time() - started < 30


def _check_decisions_columns(row: dict[str, str], reports: list[dict[str, object]]) -> None:
    """The table's decisions cells of a row over several models: one figure per model, each read off
    that model's report; the AUC in [0, 1], percentages in [0, 100], intervals around their figure."""
    from toolmind.pipeline.ablate import DECISIONS_COLUMNS, _decisions_columns

    per_model = [_decisions_columns(r) for r in reports]
    for key in DECISIONS_COLUMNS:
        cells = row[key].split(" / ")
        assert len(cells) == len(reports), key
        assert cells == ["" if c[key] is None else str(c[key]) for c in per_model], key
    for report, cells in zip(reports, per_model, strict=True):
        assert isinstance(report["auc"], float) and cells["decisions_auc"] == round(report["auc"], 3)
        for key, top in (
            ("decisions_auc", 1),
            ("decisions_relevant_at_target", 100),
            ("decisions_irrelevance_at_target", 100),
        ):
            value = cells[key]
            assert value is None or (math.isfinite(value) and 0 <= value <= top), (key, value)
        for key, figure, scale in (
            ("decisions_auc_ci95", "decisions_auc", 1),
            ("decisions_relevant_ci95", "decisions_relevant_at_target", 100),
        ):
            match = re.fullmatch(r"(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)", cells[key])
            assert match, (key, cells[key])
            lo, hi = float(match[1]), float(match[2])
            assert 0 <= lo <= hi <= scale and lo - 0.01 * scale <= cells[figure] <= hi + 0.01 * scale
        assert cells["decisions_relevant_at_target"] == round(
            100 * report["operating"]["needing_a_call"]["accuracy"], 1
        )
    # Undefined figures are empty cells, not zeros: the real report with no entries on one side.
    empty = json.loads(json.dumps(reports[0]))
    empty["auc"] = None
    empty["operating"] = {"needing_a_call": {"correct": 0, "total": 0, "accuracy": 0.0, "ci95": [0.0, 1.0]}}
    blank = _decisions_columns(empty)
    assert all(blank[key] is None for key in DECISIONS_COLUMNS)


def _write_ablation(tmp_path: Path, pipeline: dict[str, object], **ablation: object) -> Path:
    (tmp_path / "pipeline.yaml").write_text(yaml.safe_dump(pipeline))
    path = tmp_path / "ablation.yaml"
    path.write_text(yaml.safe_dump({"pipeline": str(tmp_path / "pipeline.yaml"), "run_dir": "r", **ablation}))
    return path


def test_decisions_block_is_checked_at_load_and_adds_one_stage_per_model(tmp_path: Path) -> None:
    from toolmind.eval.bfcl.decisions import IRRELEVANT
    from toolmind.pipeline.config import IRRELEVANCE_CATEGORIES

    assert IRRELEVANCE_CATEGORIES == IRRELEVANT
    bfcl = {
        "categories": ["simple_python", "irrelevance"],
        "backend": "transformers",
        "args": {"dtype": "bf16"},
    }
    pipeline = {"name": "t", "run_dir": "unused", "base_model": "some/hub-model", "bfcl": bfcl}

    # Absent: no stage, so existing configs run exactly as before.
    cfg = load_ablation_config(_write_ablation(tmp_path, pipeline))
    assert cfg.decisions is None
    assert "decisions" not in {s["stage"] for s in plan_ablation(cfg)}
    for recipe in sorted((ROOT / "recipes" / "ablations").glob("*.yaml")):
        assert load_ablation_config(recipe).decisions is None, recipe

    cfg = load_ablation_config(_write_ablation(tmp_path, pipeline, train_seeds=[0, 1], decisions={}))
    assert cfg.decisions is not None and cfg.decisions.irrelevance_target == 0.8
    steps = [s for s in plan_ablation(cfg) if s["stage"] == "decisions"]
    assert len(steps) == 4 * 2  # the four default rows x two training seeds
    argv = steps[0]["argv"]
    assert argv[argv.index("--irrelevance-target") + 1] == "0.8"
    assert argv[argv.index("--dtype") + 1] == "bf16"  # the BFCL evaluation's numerics by default
    assert steps[0]["inputs"] == [argv[argv.index("--model") + 1], argv[argv.index("--results") + 1]]

    bad: list[tuple[dict[str, object], dict[str, object], str]] = [
        ({"irrelevance_target": 1.5}, {}, r"decisions\.irrelevance_target: expected a number in \(0, 1\]"),
        ({"irrelevance_target": "high"}, {}, r"decisions\.irrelevance_target"),
        ({"batch_size": 0}, {}, r"decisions\.batch_size"),
        ({"target": 0.8}, {}, r"decisions: unknown field\(s\) \['target'\]"),
        ({}, {"bfcl": {**bfcl, "backend": "litellm"}}, r"bfcl\.backend must be 'transformers'"),
        ({}, {"bfcl": None}, r"has no BFCL evaluation"),
        ({}, {"bfcl": {**bfcl, "categories": ["simple_python", "multiple"]}}, r"must include irrelevance"),
        ({}, {"bfcl": {**bfcl, "categories": ["irrelevance", "multi_turn"]}}, r"needs a call"),
        ({}, {"bfcl": {**bfcl, "categories": ["simple_pyton", "irrelevance"]}}, r"unknown BFCL category"),
    ]
    for block, change, message in bad:
        path = _write_ablation(tmp_path, {**pipeline, **change}, decisions=block)
        with pytest.raises(ConfigError, match=message) as err:
            load_ablation_config(path)
        assert str(err.value).startswith(str(path)), err.value
    # Collections count: "all" holds irrelevance and the categories that need a call.
    path = _write_ablation(tmp_path, {**pipeline, "bfcl": {**bfcl, "categories": ["all"]}}, decisions={})
    assert load_ablation_config(path).decisions is not None


def test_aggregate_seeds_sums_counts_and_lists_each_seed() -> None:
    from toolmind.pipeline.ablate import aggregate_seeds

    def row(pooled_counts: dict[str, tuple[int, int]], mistakes: int, masked: int) -> dict[str, object]:
        correct = sum(c for c, _ in pooled_counts.values())
        total = sum(t for _, t in pooled_counts.values())
        return {
            "setting": "turn",
            "masked_turns": masked,
            "bfcl_wrong_type": 1,
            "bfcl_missing_required": 0,
            "bfcl_wrong_tool": 2,
            "pooled": round(100 * correct / total, 1),
            "imitation_mistake_rate": round(100 * mistakes / 80, 1),
            "_counts": pooled_counts,
            "_imitation": {"points": 80, "mistakes": mistakes, "calls": 60, "no_call": 15},
        }

    per_seed = {
        0: [row({"simple_python": (3, 15), "irrelevance": (10, 15)}, 20, 300)],
        1: [row({"simple_python": (5, 15), "irrelevance": (6, 15)}, 12, 310)],
    }
    (agg,) = aggregate_seeds(per_seed)
    assert agg["seeds"] == "0 1"
    assert (agg["simple_python"], agg["simple_python_n"]) == (26.7, 30)
    assert (agg["irrelevance"], agg["irrelevance_n"]) == (53.3, 30)
    assert agg["pooled"] == 40.0 and agg["pooled_per_seed"] == "43.3 / 36.7"
    assert agg["masked_turns"] == "300 / 310"
    assert (agg["bfcl_wrong_type"], agg["bfcl_wrong_tool"]) == (2, 4)
    assert (agg["imitation_points"], agg["imitation_mistakes"]) == (160, 32)
    assert agg["imitation_mistake_rate"] == 20.0 and agg["imitation_mistakes_per_call"] == 26.7
    assert agg["imitation_no_call"] == 18.8 and agg["imitation_rate_per_seed"] == "25.0 / 15.0"
    assert agg["imitation_ci95"] == "15-27"
    assert agg["_imitation"] == {
        "points": 160,
        "mistakes": 32,
        "calls": 120,
        "no_call": 30,
    }  # the plot's probe panel


def test_tau_columns_from_real_tau_reports(tmp_path: Path) -> None:
    """τ² pass^1 per domain read off `toolmind eval tau` reports (the oracle agent: real runs, known
    outcomes), and summed over seeds as episodes, like the BFCL counts."""
    from toolmind.cli import main
    from toolmind.eval.tau.data import default_data_dir
    from toolmind.pipeline.ablate import _tau_counts, aggregate_seeds

    data = default_data_dir()
    if not (data / "retail").exists():
        pytest.skip("τ² data not found")
    run = tmp_path / "turn"
    out = run / "eval" / "tau-retail-tuned"
    assert main(["eval", "tau", "--domain", "retail", "--data-dir", str(data), "--tasks", "0,5",
                 "--trials", "2", "--out", str(out)]) == 0  # fmt: skip
    counts = _tau_counts(run, "tuned", ["retail", "airline"])  # airline never ran: no column, no zero
    assert counts["tau_retail_pass1"] == 100.0 and counts["tau_retail_episodes"] == 4
    assert counts["tau_mean_pass1"] == 100.0 and counts["_tau"] == {"retail": (4, 4)}
    assert not any(k.startswith("tau_airline") for k in counts)
    assert counts["tau_user_model"] == json.loads((out / "report.json").read_text())["user_model"]
    assert _tau_counts(run, "base", ["retail"]) == {}

    seed_row = {"setting": "turn", "pooled": 0.0, "_counts": {}}
    failing = {"tau_mean_pass1": 0.0, "_tau": {"retail": (0, 4)}, "tau_user_model": counts["tau_user_model"]}
    (agg,) = aggregate_seeds({0: [{**seed_row, **counts}], 1: [{**seed_row, **failing}]})
    assert agg["tau_retail_pass1"] == 50.0 and agg["tau_retail_episodes"] == 8
    assert agg["tau_mean_pass1_per_seed"] == "100.0 / 0.0"
    assert agg["tau_user_model"] == counts["tau_user_model"]
