"""Pipeline mechanics with real subprocesses: skip when unchanged, rerun on change, resume, --from."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from pathlib import Path

import pytest

from toolmind.cli import main
from toolmind.pipeline.ablate import plan_ablation
from toolmind.pipeline.config import ConfigError, load_ablation_config, load_pipeline_config
from toolmind.pipeline.pipeline import plan
from toolmind.pipeline.runner import STAGE_FILE, Stage, StageFailed, content_hash, invalidate_from, run_stage

# A stage command that counts its runs, copies its input and notes whether it was asked to resume.
SCRIPT = """
import sys, pathlib
out, src = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
runs = out.parent / (out.name + ".runs")
runs.write_text(runs.read_text() + "x" if runs.exists() else "x")
(out / "copy.txt").write_text(src.read_text() + ("+resumed" if "--resume" in sys.argv else ""))
if "--fail" in sys.argv:
    sys.exit(3)
"""


def _stage(tmp: Path, name: str, src: Path, *extra: str) -> Stage:
    script = tmp / "stage.py"
    script.write_text(SCRIPT)
    out = tmp / name
    return Stage(
        name=name,
        argv=[sys.executable, str(script), str(out), str(src), *extra],
        out=out,
        inputs=[src],
        resume_argv=["--resume"],
    )


def _runs(stage: Stage) -> int:
    return len((stage.out.parent / (stage.out.name + ".runs")).read_text())


def test_unchanged_stage_is_skipped_and_changed_input_reruns(tmp_path: Path) -> None:
    src = tmp_path / "in.txt"
    src.write_text("v1")
    stage = _stage(tmp_path, "a", src)
    run_stage(stage, logs_dir=tmp_path / "logs")
    run_stage(stage, logs_dir=tmp_path / "logs")
    assert _runs(stage) == 1
    src.write_text("v2")
    run_stage(stage, logs_dir=tmp_path / "logs")
    assert _runs(stage) == 2
    assert (stage.out / "copy.txt").read_text() == "v2"
    assert "in.txt" in (tmp_path / "logs" / "a.log").read_text()


def test_interpreter_spelling_does_not_rerun_a_finished_stage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`.venv/bin/python` and `.venv/bin/python3.11` (what the `toolmind` script runs under) are one
    interpreter: a pipeline started either way skips what the other finished."""
    src = tmp_path / "in.txt"
    src.write_text("v1")
    alias = tmp_path / "python-alias"
    alias.symlink_to(sys.executable)
    stage = _stage(tmp_path, "a", src)
    run_stage(stage, logs_dir=tmp_path / "logs")
    monkeypatch.setattr(sys, "executable", str(alias))
    respelt = dataclasses.replace(stage, argv=[str(alias), *stage.argv[1:]])
    run_stage(respelt, logs_dir=tmp_path / "logs")
    assert _runs(stage) == 1


def test_stage_finished_under_the_old_interpreter_keyed_key_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Records written before keys named the interpreter `<python>` hashed its path: such a stage is
    finished when that path is our interpreter under another name, and rerun when it is another one."""
    src = tmp_path / "in.txt"
    src.write_text("v1")
    stage = _stage(tmp_path, "a", src)
    run_stage(stage, logs_dir=tmp_path / "logs")
    record_path = stage.out / STAGE_FILE
    record = json.loads(record_path.read_text())
    alias = tmp_path / "python-alias"
    alias.symlink_to(sys.executable)
    for interpreter, reruns in ((str(alias), 1), ("/bin/sh", 2)):
        old_argv = [interpreter, *stage.argv[1:]]
        legacy = hashlib.sha256(
            json.dumps(
                {"argv": old_argv, "inputs": {str(src): content_hash(src)}, "extra": {}}, sort_keys=True
            ).encode()
        ).hexdigest()
        record_path.write_text(json.dumps({**record, "argv": old_argv, "key": legacy}))
        run_stage(stage, logs_dir=tmp_path / "logs")
        assert _runs(stage) == reruns, interpreter


def test_killed_stage_resumes_with_resume_flag(tmp_path: Path) -> None:
    src = tmp_path / "in.txt"
    src.write_text("data")
    stage = _stage(tmp_path, "b", src)
    stage.out.mkdir()
    (stage.out / "partial.jsonl").write_text('{"id": 1}\n')  # left by a killed run: no .stage.json
    record = run_stage(stage, logs_dir=tmp_path / "logs")
    assert record["resumed"] is True
    assert (stage.out / "copy.txt").read_text() == "data+resumed"
    assert (stage.out / "partial.jsonl").exists()  # finished work is kept


def test_failed_stage_raises_and_is_not_marked_done(tmp_path: Path) -> None:
    src = tmp_path / "in.txt"
    src.write_text("x")
    stage = _stage(tmp_path, "c", src, "--fail")
    with pytest.raises(StageFailed, match="exit code 3"):
        run_stage(stage, logs_dir=tmp_path / "logs")
    assert not (stage.out / ".stage.json").exists()


def test_invalidate_from_removes_that_stage_and_later(tmp_path: Path) -> None:
    src = tmp_path / "in.txt"
    src.write_text("x")
    stages = [_stage(tmp_path, n, src) for n in ("s1", "s2", "s3")]
    for s in stages:
        run_stage(s, logs_dir=tmp_path / "logs")
    invalidate_from(stages, "s2")
    assert stages[0].out.exists() and not stages[1].out.exists() and not stages[2].out.exists()
    with pytest.raises(ValueError, match="unknown stage"):
        invalidate_from(stages, "nope")


def test_recipes_resolve_to_a_full_plan() -> None:
    for recipe in ("recipes/pipelines/demo.yaml", "recipes/pipelines/toolmind-qwen3-14b.yaml"):
        steps = plan(load_pipeline_config(recipe))
        names = [s["stage"] for s in steps]
        assert names[:5] == ["graph", "chains", "synth", "filter", "data"]
        assert "train" in names and "bfcl-tuned" in names and "bfcl-base" in names
    big = [s["stage"] for s in plan(load_pipeline_config("recipes/pipelines/toolmind-qwen3-14b.yaml"))]
    assert "tau-telecom-tuned" in big
    train = next(
        s
        for s in plan(load_pipeline_config("recipes/pipelines/toolmind-qwen3-14b.yaml"))
        if s["stage"] == "train"
    )
    assert (
        "accelerate.commands.launch" in train["argv"]
        and "recipes/accelerate_configs/zero3.yaml" in train["argv"]
    )
    assert len(load_ablation_config("recipes/ablations/filters.yaml").settings) == 4
    errors = load_ablation_config("recipes/ablations/filter-errors.yaml")
    assert [s.name for s in errors.settings] == ["none", "turn"]
    assert errors.overrides["synth_config"] == "recipes/synth/ablation-errors.yaml"
    from toolmind.synth.config import load_config as load_synth_config

    for path in sorted(Path("recipes/ablations").glob("*.yaml")):
        abl = load_ablation_config(path)
        assert abl.imitation is not None and abl.imitation.chains > 0, path
        synth = abl.overrides.get("synth_config", load_pipeline_config(abl.pipeline).synth_config)
        load_synth_config(synth)  # the recipe and the ones it builds on resolve
    assert load_ablation_config("recipes/ablations/filter-errors-seeds.yaml").seeds == [0, 1, 2]
    half = load_synth_config("recipes/synth/ablation-errors-half.yaml")
    assert half.errors.turn_error_share == 0.5


def test_demo_sample_config_scores_the_demos_entries_as_the_demo_does() -> None:
    import yaml

    from toolmind.eval.bfcl.runner import BFCLConfig

    demo = load_pipeline_config("recipes/pipelines/demo.yaml").bfcl
    assert demo is not None
    sample = BFCLConfig(**yaml.safe_load(Path("evals/bfcl_v4/demo_sample.yaml").read_text()))
    assert sample.categories.split(",") == demo.categories
    assert (sample.sample, sample.seed, sample.thinking, sample.backend) == (
        demo.sample,
        demo.seed,
        demo.thinking,
        demo.backend,
    )
    assert sample.max_new_tokens == demo.args["max-new-tokens"]
    assert sample.batch_size == demo.args["batch-size"]


def test_ablation_dry_run_resolves_every_row(capsys: pytest.CaptureFixture[str]) -> None:
    """`toolmind ablate --dry-run`: every row's (and seed's) commands, nothing run or written."""
    assert main(["ablate", "--config", "recipes/ablations/filters-qwen3-14b.yaml", "--dry-run"]) == 0
    steps = json.loads(capsys.readouterr().out)
    rows = {r: [s["stage"] for s in steps if s["row"] == r] for r in dict.fromkeys(s["row"] for s in steps)}
    assert list(rows) == ["shared", "none", "trajectory", "turn", "both"]
    taus = ["tau-airline-tuned", "tau-retail-tuned", "tau-telecom-tuned"]
    assert rows["turn"] == ["filter", "data", "train", "bfcl-tuned", *taus, "imitation"]
    tau = next(s for s in steps if s["row"] == "both" and s["stage"] == "tau-retail-tuned")
    assert tau["argv"][tau["argv"].index("--agent-model") + 1] == "runs/ablation-filters-qwen3-14b/both/train"
    train = next(s for s in steps if s["row"] == "turn" and s["stage"] == "train")
    assert "accelerate.commands.launch" in train["argv"] and "Qwen/Qwen3-14B" in train["argv"]
    probe = next(s for s in steps if s["row"] == "both" and s["stage"] == "imitation")
    assert probe["argv"][-4:] == ["--device", "cuda", "--dtype", "bfloat16"]
    assert not Path("runs/ablation-filters-qwen3-14b").exists()
    # `tau: false`: BFCL only in every row, the rows' other stages unchanged.
    with_tau = load_ablation_config("recipes/ablations/filters-qwen3-14b.yaml")
    no_tau = dataclasses.replace(with_tau, tau=False)
    data = [next(s for s in plan_ablation(a) if s["stage"] == "data") for a in (with_tau, no_tau)]
    assert data[0] == data[1] and "--tau-data-dir" in data[1]["argv"]  # still decontaminated against τ²
    assert [s["stage"] for s in plan_ablation(no_tau) if s["row"] == "turn"] == [
        "filter",
        "data",
        "train",
        "bfcl-tuned",
        "imitation",
    ]

    assert main(["ablate", "--config", "recipes/ablations/filter-errors-seeds.yaml", "--dry-run"]) == 0
    steps = json.loads(capsys.readouterr().out)
    assert sorted({s["seed"] for s in steps}) == [0, 1, 2]
    synth = [s for s in steps if s["stage"] == "synth"]
    assert [s["argv"][s["argv"].index("--seed") + 1] for s in synth] == ["0", "1", "2"]
    assert len({s["out"] for s in steps}) == len(steps)  # no two stages share an output


def test_ablation_over_training_seeds_trains_each_row_per_seed_on_one_dataset(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`train_seeds`: one synthesis, one filter and dataset per row, one model per training seed, each
    trained with its own `--seed` on the row's dataset and evaluated in its own directory."""
    config = "recipes/ablations/filter-errors-train-seeds.yaml"
    assert main(["ablate", "--config", config, "--dry-run"]) == 0
    steps = json.loads(capsys.readouterr().out)
    out = "runs/ablation-filter-errors-train-seeds"
    assert [s["stage"] for s in steps if s["stage"] in ("synth", "filter", "data")] == [
        "synth",
        "filter",
        "data",
        "filter",
        "data",
    ]
    for row in ("none", "turn"):
        trains = [s for s in steps if s["row"] == row and s["stage"] == "train"]
        assert [s["train_seed"] for s in trains] == [0, 1, 2]
        for s in trains:
            argv = s["argv"]
            assert argv[argv.index("--seed") + 1] == str(s["train_seed"])
            assert argv[argv.index("--dataset_path") + 1] == f"{out}/{row}/data"
            assert s["out"] == f"{out}/{row}/train-seed{s['train_seed']}/train"
        data = next(s for s in steps if s["row"] == row and s["stage"] == "data")
        assert data["argv"][data["argv"].index("--seed") + 1] == "0"  # the pipeline's, not a training seed
        bfcl = [s for s in steps if s["row"] == row and s["stage"] == "bfcl-tuned"]
        assert [s["inputs"] for s in bfcl] == [[t["out"]] for t in trains]
    assert len({s["out"] for s in steps}) == len(steps)  # no two stages share an output
    assert not Path(out).exists()


def test_synth_stage_hashes_the_recipes_a_recipe_builds_on(tmp_path: Path) -> None:
    """An edit to the base recipe must rerun synthesis for every recipe built on it."""
    from toolmind.pipeline.stages import build_stages

    (tmp_path / "base.yaml").write_text("seed: 0\nerrors: {turn_error_share: 0.2}\n")
    (tmp_path / "child.yaml").write_text("base: base.yaml\nerrors: {turn_error_share: 1.0}\n")
    cfg = load_pipeline_config("recipes/pipelines/demo.yaml")
    cfg.synth_config = str(tmp_path / "child.yaml")
    synth = next(s for s in build_stages(cfg) if s.name == "synth")
    assert tmp_path / "base.yaml" in synth.inputs and tmp_path / "child.yaml" in synth.inputs


def test_bad_config_names_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(json.dumps({"name": "x", "run_dir": "r", "chainz": 3}))
    with pytest.raises(ConfigError, match="chainz"):
        load_pipeline_config(bad)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"synth_args": {"resume": False}}, "synth_args.resume"),
        ({"data_args": {"no-decontaminate": False}}, "data_args.no-decontaminate"),
        ({"bfcl": {"args": {"batch-size": 4, "verbose": False}}}, "bfcl.args.verbose"),
    ],
)
def test_false_in_a_flag_option_is_refused_not_dropped(
    tmp_path: Path, extra: dict[str, object], field: str
) -> None:
    # `false` would become no flag at all: the command's default, silently, where a user meant "off".
    bad = tmp_path / "pipeline.yaml"
    bad.write_text(json.dumps({"name": "x", "run_dir": "r", **extra}))
    with pytest.raises(ConfigError, match=f"pipeline.yaml: {field}: false would be dropped"):
        load_pipeline_config(bad)
    # The trainer takes booleans as values ("--bf16 false"), so training overrides may say false.
    ok = tmp_path / "ok.yaml"
    ok.write_text(json.dumps({"name": "x", "run_dir": "r", "train_args": {"bf16": False}}))
    assert load_pipeline_config(ok).train_args == {"bf16": False}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"seeds": []}, "seeds: expected a non-empty list"),
        ({"seeds": [0, "1"]}, "seeds: expected a non-empty list"),
        ({"seeds": [0, 0]}, "repeats a seed"),
        ({"seeds": [0, 1], "overrides": {"seed": 3}}, "overrides.seed and seeds"),
        ({"train_seeds": [1, 1]}, "train_seeds: .* repeats a seed"),
        ({"train_seeds": 3}, "train_seeds: expected a non-empty list"),
        (
            {"train_seeds": [0, 1], "overrides": {"train_args": {"seed": 3}}},
            "train_args.seed and train_seeds",
        ),
        ({"settings": [{"name": "a", "filter": {}}, {"name": "a", "filter": {}}]}, "repeat"),
        ({"settings": [{"name": "shared", "filter": {}}]}, "clash"),
    ],
)
def test_bad_ablation_config_says_what_is_wrong(
    tmp_path: Path, extra: dict[str, object], message: str
) -> None:
    bad = tmp_path / "ablation.yaml"
    bad.write_text(json.dumps({"pipeline": "recipes/pipelines/demo.yaml", "run_dir": "r", **extra}))
    with pytest.raises(ConfigError, match=message) as err:
        load_ablation_config(bad)
    assert str(bad) in str(err.value)


def test_stage_summary_shows_each_figure_once_and_rounds(tmp_path: Path) -> None:
    from toolmind.pipeline.report import _manifest_summary

    (tmp_path / "manifest.json").write_text(
        json.dumps(
            {
                "counts": {"written": 500, "trajectories": 500},
                "summary": {"trajectories": 500, "share": 0.03495966192854399, "backends": {"x": 1}},
            }
        )
    )
    assert _manifest_summary(tmp_path) == "written=500, trajectories=500, share=0.035"


def test_train_args_override_the_recipe_including_false() -> None:
    """`train_args` reach the trainer's parser as given: a recipe's `bf16: true` undone by `bf16: false`,
    and the training seed set apart from the pipeline's (data) seed."""
    from toolmind.train.sft import parse_args

    cfg = dataclasses.replace(
        load_pipeline_config("recipes/pipelines/demo.yaml"), seed=2, train_args={"bf16": False, "seed": 0}
    )
    argv = next(s["argv"] for s in plan(cfg) if s["stage"] == "train")
    script_args, training_args, _ = parse_args(argv[argv.index("toolmind.train.sft") + 1 :])
    assert training_args.bf16 is False and training_args.seed == 0
    # the rest of the recipe stays
    assert script_args.train_top_layers == 30 and script_args.result_replies == "mask"
