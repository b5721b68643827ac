"""Pipeline and ablation configuration (`recipes/pipelines/*.yaml`, `recipes/ablations/*.yaml`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from toolmind.eval.bfcl.data import SINGLE_TURN_CATEGORIES, resolve_categories

#: BFCL categories whose entries need no call: `toolmind.eval.bfcl.decisions.IRRELEVANT`, restated here
#: so that loading a config does not import torch (a test holds the two equal).
IRRELEVANCE_CATEGORIES = ("irrelevance", "live_irrelevance")


class ConfigError(ValueError):
    """A pipeline config file is missing, malformed or names an unknown field."""


@dataclass
class FilterSetting:
    trajectory: bool = field(default=True, metadata={"help": "run the trajectory-level filter (drops)"})
    turn: bool = field(default=True, metadata={"help": "run the turn-level filter (masks turns)"})
    stages: list[str] | None = field(
        default=None, metadata={"help": "explicit list of filter stages (None: the filter's defaults)"}
    )


@dataclass
class BfclSetting:
    categories: list[str] = field(
        default_factory=lambda: ["simple_python", "multiple", "parallel", "irrelevance"],
        metadata={"help": "official BFCL-v4 category names, or ['all']"},
    )
    sample: int | None = field(
        default=None, metadata={"help": "entries per category (seeded, identical for every model); None: all"}
    )
    seed: int = field(default=0, metadata={"help": "seed of the per-category sample"})
    thinking: bool = field(default=True, metadata={"help": "leave thinking on (the official Qwen FC prompt)"})
    backend: str = field(default="transformers", metadata={"help": "transformers | litellm | vllm"})
    args: dict[str, Any] = field(
        default_factory=dict, metadata={"help": "extra `toolmind eval bfcl` options (--key value)"}
    )


@dataclass
class TauSetting:
    domains: list[str] = field(default_factory=lambda: ["airline", "retail"], metadata={"help": "τ² domains"})
    data_dir: str = field(default="", metadata={"help": "τ² data directory (<domain>/tasks.json, ...)"})
    split: str = field(default="base", metadata={"help": "task split (base is the leaderboard set)"})
    user_model: str = field(default="", metadata={"help": "litellm model of the user simulator (required)"})
    agent_backend: str = field(default="transformers", metadata={"help": "how the evaluated model is served"})
    trials: int = field(default=1, metadata={"help": "trials per task (pass^k for k=1..trials)"})
    concurrency: int = field(default=4, metadata={"help": "episodes in flight"})
    args: dict[str, Any] = field(default_factory=dict, metadata={"help": "extra `toolmind eval tau` options"})


@dataclass
class PipelineConfig:
    name: str = field(metadata={"help": "run name (used in reports)"})
    run_dir: str = field(metadata={"help": "directory holding every stage's output and report.md"})
    seed: int = field(default=0, metadata={"help": "global seed (chains, synthesis, split, training)"})
    tools: str | None = field(
        default=None, metadata={"help": "tool file or directory (any importer format); None: default pool"}
    )
    graph_args: dict[str, Any] = field(
        default_factory=dict, metadata={"help": "extra `toolmind graph build` options"}
    )
    chains: int = field(default=400, metadata={"help": "number of chains to sample"})
    chain_args: dict[str, Any] = field(
        default_factory=dict, metadata={"help": "extra `toolmind graph sample` options"}
    )
    synth_config: str = field(
        default="recipes/synth/default.yaml", metadata={"help": "synthesis recipe (YAML)"}
    )
    synth_args: dict[str, Any] = field(
        default_factory=dict, metadata={"help": "extra `toolmind synth` options"}
    )
    filter: FilterSetting = field(default_factory=FilterSetting, metadata={"help": "filter switches"})
    filter_args: dict[str, Any] = field(
        default_factory=dict, metadata={"help": "extra `toolmind filter` options"}
    )
    data_args: dict[str, Any] = field(
        default_factory=dict, metadata={"help": "extra `toolmind data build` options"}
    )
    base_model: str = field(
        default="smollm2",
        metadata={"help": "checkpoint dir or hub id to fine-tune; 'smollm2' converts the packaged GGUF"},
    )
    train_config: str = field(
        default="recipes/SmolLM2-135M/sft/config_demo.yaml", metadata={"help": "SFT recipe (TrlParser YAML)"}
    )
    train_args: dict[str, Any] = field(
        default_factory=dict, metadata={"help": "overrides of the SFT recipe (--key value)"}
    )
    accelerate_config: str | None = field(
        default=None,
        metadata={"help": "accelerate config for `accelerate launch`; None runs training in one process"},
    )
    num_processes: int | None = field(default=None, metadata={"help": "accelerate --num_processes"})
    bfcl: BfclSetting | None = field(default_factory=BfclSetting, metadata={"help": "BFCL evaluation"})
    tau: TauSetting | None = field(
        default=None, metadata={"help": "τ² evaluation (needs data dir + user model)"}
    )
    evaluate_base: bool = field(default=True, metadata={"help": "also evaluate the base model, side by side"})


@dataclass
class AblationSetting:
    name: str = field(metadata={"help": "row label"})
    filter: FilterSetting = field(metadata={"help": "filter switches for this row"})


@dataclass
class ImitationSetting:
    chains: int = field(
        default=60, metadata={"help": "held-out chains synthesized like the training data (seed + 1)"}
    )
    max_new_tokens: int = field(default=128, metadata={"help": "completion budget per probe point"})
    batch_size: int = field(default=16, metadata={"help": "prompts per generation call"})
    max_points: int | None = field(default=None, metadata={"help": "probe at most N points; None: all"})
    device: str | None = field(
        default=None, metadata={"help": "torch device of the probed model (None: cpu)"}
    )
    dtype: str | None = field(
        default=None, metadata={"help": "torch dtype, e.g. bfloat16 on GPU (None: float32)"}
    )


@dataclass
class DecisionsSetting:
    irrelevance_target: float = field(
        default=0.8, metadata={"help": "irrelevance rate (0-1] the operating point must reach"}
    )
    batch_size: int = field(default=16, metadata={"help": "prompts per generation call"})
    device: str | None = field(
        default=None,
        metadata={"help": "torch device (None: the BFCL evaluation's bfcl.args device, else cpu)"},
    )
    dtype: str | None = field(
        default=None,
        metadata={"help": "torch dtype (None: the BFCL evaluation's bfcl.args dtype, else float32)"},
    )


@dataclass
class AblationConfig:
    pipeline: str = field(metadata={"help": "pipeline config the ablation starts from"})
    run_dir: str = field(metadata={"help": "ablation output directory"})
    settings: list[AblationSetting] = field(
        default_factory=lambda: [
            AblationSetting("none", FilterSetting(trajectory=False, turn=False)),
            AblationSetting("trajectory", FilterSetting(trajectory=True, turn=False)),
            AblationSetting("turn", FilterSetting(trajectory=False, turn=True)),
            AblationSetting("both", FilterSetting(trajectory=True, turn=True)),
        ],
        metadata={"help": "filter settings to compare"},
    )
    overrides: dict[str, Any] = field(
        default_factory=dict, metadata={"help": "pipeline fields overridden for every setting"}
    )
    imitation: ImitationSetting | None = field(
        default=None,
        metadata={
            "help": "also probe each model for mistake imitation on held-out synthesized conversations"
        },
    )
    decisions: DecisionsSetting | None = field(
        default=None,
        metadata={
            "help": "also judge each model's call-or-decline decisions on its BFCL outputs (`toolmind eval "
            "decisions`: AUC, relevant accuracy at a target irrelevance; a diagnostic, not a BFCL score)"
        },
    )
    tau: bool = field(
        default=True,
        metadata={
            "help": "evaluate every row (and the base model) on τ² too when the pipeline configures it "
            "(tau.data_dir and tau.user_model); false: BFCL only, e.g. to keep the user simulator's cost "
            "to the rows chosen afterwards"
        },
    )
    seeds: list[int] | None = field(
        default=None,
        metadata={
            "help": "run the whole ablation once per pipeline seed (chains, synthesis, training order), "
            "each in seed<N>/, and aggregate the rows over seeds; None: once, with the pipeline's seed"
        },
    )
    train_seeds: list[int] | None = field(
        default=None,
        metadata={
            "help": "train (and evaluate) every row once per training seed on the row's one dataset, each "
            "in <row>/train-seed<N>/, and aggregate the row over them: the spread of training order alone, "
            "at the cost of training, not of synthesis; None: once, with the pipeline's seed"
        },
    )


def _build(cls: type[Any], data: Any, where: str) -> Any:
    """Build a (nested) dataclass from a mapping, naming the offending field on error."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {unknown}; known: {sorted(fields)}")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        ftype = str(fields[name].type)
        if value is not None and "FilterSetting" in ftype and "list" not in ftype:
            value = _build(FilterSetting, value, f"{where}.{name}")
        elif value is not None and ftype.startswith("BfclSetting"):
            value = _build(BfclSetting, value, f"{where}.{name}")
        elif value is not None and ftype.startswith("TauSetting"):
            value = _build(TauSetting, value, f"{where}.{name}")
        elif value is not None and ftype.startswith("ImitationSetting"):
            value = _build(ImitationSetting, value, f"{where}.{name}")
        elif value is not None and ftype.startswith("DecisionsSetting"):
            value = _build(DecisionsSetting, value, f"{where}.{name}")
        elif name == "settings":
            value = [_build(AblationSetting, v, f"{where}.settings[{i}]") for i, v in enumerate(value)]
        kwargs[name] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def _read_yaml(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"{p}: config file not found")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p}: invalid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: expected a mapping at the top level")
    return data


def load_pipeline_config(path: str | Path, overrides: dict[str, Any] | None = None) -> PipelineConfig:
    data = _read_yaml(path)
    data.update(overrides or {})
    cfg: PipelineConfig = _build(PipelineConfig, data, str(path))
    _check_flag_options(path, cfg)
    return cfg


def _check_flag_options(path: str | Path, cfg: PipelineConfig) -> None:
    """Refuse `false` in the options passed on as command-line flags (every stage's but training's).

    They become `--flag` for true and nothing for false, so `false` could only mean "the command's
    default": a silent no-op where a user meant to switch something off. The trainer's parser takes
    booleans as values, so `train_args` passes `--flag false` instead and is not checked here."""
    groups: dict[str, dict[str, Any]] = {
        "graph_args": cfg.graph_args,
        "chain_args": cfg.chain_args,
        "synth_args": cfg.synth_args,
        "filter_args": cfg.filter_args,
        "data_args": cfg.data_args,
    }
    if cfg.bfcl is not None:
        groups["bfcl.args"] = cfg.bfcl.args
    if cfg.tau is not None:
        groups["tau.args"] = cfg.tau.args
    for name, options in groups.items():
        if not isinstance(options, dict):
            raise ConfigError(
                f"{path}: {name}: expected a mapping of option names to values, got {options!r}"
            )
        for key, value in options.items():
            if value is False:
                raise ConfigError(
                    f"{path}: {name}.{key}: false would be dropped (these options become command-line "
                    f"flags, and a flag is only ever switched on): leave the key out for the command's "
                    f"default, or give the command's own negative flag (e.g. no-{key}: true) where it has one"
                )


def _check_seeds(path: str | Path, name: str, seeds: Any) -> None:
    if not isinstance(seeds, list) or not seeds or not all(type(s) is int for s in seeds):
        raise ConfigError(f"{path}: {name}: expected a non-empty list of integers, got {seeds!r}")
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"{path}: {name}: {seeds} repeats a seed")


def _check_decisions(path: str | Path, cfg: AblationConfig) -> None:
    """The `decisions:` block: its values, and a pipeline whose BFCL evaluation it can judge (a local
    transformers checkpoint's outputs of irrelevance and of at least one single-turn category that
    needs a call), checked now rather than after hours of training."""
    d = cfg.decisions
    assert d is not None
    target = d.irrelevance_target
    if isinstance(target, bool) or not isinstance(target, int | float) or not 0 < target <= 1:
        raise ConfigError(
            f"{path}: decisions.irrelevance_target: expected a number in (0, 1], got {target!r}"
        )
    if type(d.batch_size) is not int or d.batch_size < 1:
        raise ConfigError(f"{path}: decisions.batch_size: expected an integer >= 1, got {d.batch_size!r}")
    for name in ("device", "dtype"):
        value = getattr(d, name)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{path}: decisions.{name}: expected a string, got {value!r}")
    try:
        pipe = load_pipeline_config(cfg.pipeline, cfg.overrides)
    except ConfigError as exc:
        raise ConfigError(f"{path}: decisions: cannot read the pipeline it judges: {exc}") from exc
    where = f"{path}: decisions: the pipeline {cfg.pipeline}"
    if pipe.bfcl is None:
        raise ConfigError(
            f"{where} has no BFCL evaluation (bfcl: null); the decisions are judged on its outputs"
        )
    if pipe.bfcl.backend != "transformers":
        raise ConfigError(
            f"{where} evaluates BFCL with the {pipe.bfcl.backend!r} backend; the call scores are measured "
            "on the outputs of a local checkpoint, so bfcl.backend must be 'transformers'"
        )
    try:
        categories = resolve_categories(pipe.bfcl.categories)
    except ValueError as exc:
        raise ConfigError(f"{where}: bfcl.categories: {exc}") from exc
    single = [c for c in categories if c in SINGLE_TURN_CATEGORIES]
    if not any(c in IRRELEVANCE_CATEGORIES for c in single) or all(
        c in IRRELEVANCE_CATEGORIES for c in single
    ):
        raise ConfigError(
            f"{where}: bfcl.categories {pipe.bfcl.categories} must include irrelevance (or live_irrelevance) "
            "and at least one single-turn category that needs a call (e.g. simple_python): the AUC ranks "
            "the one against the other"
        )


def load_ablation_config(path: str | Path) -> AblationConfig:
    cfg: AblationConfig = _build(AblationConfig, _read_yaml(path), str(path))
    if cfg.seeds is not None:
        _check_seeds(path, "seeds", cfg.seeds)
        if "seed" in cfg.overrides:
            raise ConfigError(f"{path}: overrides.seed and seeds both set; give the seeds in seeds only")
    if cfg.train_seeds is not None:
        _check_seeds(path, "train_seeds", cfg.train_seeds)
        train_args = cfg.overrides.get("train_args") or {}
        if isinstance(train_args, dict) and "seed" in train_args:
            raise ConfigError(
                f"{path}: overrides.train_args.seed and train_seeds both set; give them in train_seeds only"
            )
    names = [s.name for s in cfg.settings]
    if len(set(names)) != len(names):
        raise ConfigError(f"{path}: settings: names {names} repeat (each row gets its own directory)")
    reserved = [n for n in names if n == "shared" or n.startswith("seed") or "/" in n]
    if reserved:
        raise ConfigError(f"{path}: settings: names {reserved} clash with the run directory's own folders")
    if cfg.decisions is not None:
        _check_decisions(path, cfg)
    return cfg
