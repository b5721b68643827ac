"""`toolmind ablate`: the same data and training budget under different filter settings.

The tool pool, graph, chains, synthesis and base model are built once (shared); each setting then gets
its own filter → dataset → SFT → evaluation, so the rows differ only in the filter switches. The table
(markdown + CSV) and the plot report benchmark scores with the dropped-trajectory and masked-turn counts
that explain them; optional per-row stages probe each model for mistake imitation (`imitation:`) and
judge its call-or-decline decisions on its BFCL outputs (`decisions:`).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import logging
from pathlib import Path
from typing import Any

from toolmind.eval.bfcl.report import wilson_interval
from toolmind.eval.imitation import MISTAKES
from toolmind.pipeline.config import (
    IRRELEVANCE_CATEGORIES,
    AblationConfig,
    AblationSetting,
    DecisionsSetting,
    ImitationSetting,
    PipelineConfig,
    load_pipeline_config,
)
from toolmind.pipeline.lock import machine_run, run_lock
from toolmind.pipeline.report import bfcl_categories
from toolmind.pipeline.runner import Stage, run_stage
from toolmind.pipeline.stages import (
    TOOLMIND,
    build_stages,
    chains_stage,
    cli_options,
    data_stages,
    eval_stages,
    resolve_base_model,
    synth_stage,
    tau_domains,
    train_stage,
)

logger = logging.getLogger(__name__)

BASE_ROW = "base model (no SFT)"


def _filter_counts(filter_dir: Path) -> dict[str, Any]:
    """Dropped trajectories and masked turns, read from the filter's manifest."""
    manifest_path = filter_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    totals = manifest.get("totals", manifest)
    return {
        "trajectories_in": totals.get("trajectories_in", totals.get("in")),
        "dropped_trajectories": totals.get("dropped_trajectories", totals.get("dropped")),
        "masked_turns": totals.get("masked_turns"),
        "assistant_turns": totals.get("assistant_turns"),
    }


def probe_data_stages(cfg: PipelineConfig, shared: Path, probe: ImitationSetting) -> list[Stage]:
    """Held-out conversations for the imitation probe: other chains (seed + 1) synthesized by the same
    recipe, so they carry the same kinds and rate of injected mistakes as the training data."""
    chains_dir, synth_dir = shared / "probe-chains", shared / "probe-synth"
    what = "held-out conversations for the mistake-imitation probe"
    held_out = dataclasses.replace(cfg, chains=probe.chains)
    return [
        chains_stage(held_out, shared / "graph", chains_dir, cfg.seed + 1, "probe-chains", what),
        synth_stage(held_out, chains_dir, synth_dir, cfg.seed + 1, "probe-synth", what),
    ]


def imitation_stage(cfg: PipelineConfig, run: Path, shared: Path, probe: ImitationSetting) -> Stage:
    model, out = run / "train", run / "eval" / "imitation"
    thinking = cfg.bfcl.thinking if cfg.bfcl else True
    options = {
        "max-new-tokens": probe.max_new_tokens,
        "batch-size": probe.batch_size,
        "max-points": probe.max_points,
        "device": probe.device,
        "dtype": probe.dtype,
    }
    held_out = shared / "probe-synth" / "trajectories.jsonl"
    return Stage(
        name="imitation",
        argv=[
            *TOOLMIND,
            "eval",
            "imitation",
            "--model",
            str(model),
            "--trajectories",
            str(held_out),
            "--exclude",
            str(shared / "synth" / "trajectories.jsonl"),
            "--out",
            str(out),
            "--thinking" if thinking else "--no-thinking",
            *cli_options(options),
        ],
        out=out,
        inputs=[model, held_out],
        description="mistake imitation on held-out synthesized conversations",
    )


def _bfcl_option(cfg: PipelineConfig, name: str) -> Any:
    """An option of the pipeline's `toolmind eval bfcl` command (`bfcl.args`, spelt with or without
    the leading dashes); None when it is not set there."""
    args = cfg.bfcl.args if cfg.bfcl else {}
    return args.get(name, args.get(f"--{name}"))


def decisions_stage(cfg: PipelineConfig, run: Path, judge: DecisionsSetting) -> Stage:
    """`toolmind eval decisions` on the row's checkpoint and its own BFCL outputs (`eval/bfcl-tuned`)."""
    model, bfcl, out = run / "train", run / "eval" / "bfcl-tuned", run / "eval" / "decisions"
    options = {
        "irrelevance-target": judge.irrelevance_target,
        "batch-size": judge.batch_size,
        # The evaluation's numerics unless told otherwise: stored outputs are reused as the policy's
        # answers where greedy decoding, by these call scores, would give them again.
        "device": judge.device or _bfcl_option(cfg, "device"),
        "dtype": judge.dtype or _bfcl_option(cfg, "dtype"),
    }
    return Stage(
        name="decisions",
        argv=[
            *TOOLMIND,
            "eval",
            "decisions",
            "--model",
            str(model),
            "--results",
            str(bfcl),
            "--out",
            str(out),
            *cli_options(options),
        ],
        out=out,
        inputs=[model, bfcl],
        description="call-or-decline judgement on the BFCL outputs (AUC, operating point; a diagnostic)",
    )


def _evaluations(cfg: PipelineConfig, model: Path | str, run: Path, label: str, tau: bool) -> list[Stage]:
    """The pipeline's evaluation stages for one model; `tau=False` leaves τ² out. (Only the evaluation:
    the data stages still decontaminate against the τ² data the pipeline names.)"""
    return eval_stages(cfg if tau else dataclasses.replace(cfg, tau=None), model, run, label)


def _model_stages(
    abl: AblationConfig, cfg: PipelineConfig, data: Path, out: Path, shared: Path, base_model: Path | str
) -> list[Stage]:
    """Training on `data` and the evaluations of the trained model, all in `out`."""
    stages = [train_stage(cfg, out, base_model, data, out / "train")]
    stages += _evaluations(cfg, out / "train", out, "tuned", abl.tau)
    if abl.imitation:
        stages.append(imitation_stage(cfg, out, shared, abl.imitation))
    if abl.decisions:
        stages.append(decisions_stage(cfg, out, abl.decisions))
    return stages


@dataclasses.dataclass
class _Run:
    """One trained model of a row: the row's data stages (with its first model only: every training
    seed trains on the row's one dataset) and its training and evaluation stages, written in `out` (the
    row's directory, or `<row>/train-seed<N>` with `train_seeds`)."""

    setting: AblationSetting
    row_dir: Path
    out: Path
    train_seed: int | None
    data: list[Stage]
    model: list[Stage]


def _setting_runs(
    abl: AblationConfig, cfg: PipelineConfig, shared: Path, base_model: Path | str, setting: AblationSetting
) -> list[_Run]:
    row = Path(cfg.run_dir)
    data = data_stages(cfg, row, shared / "synth")
    if not abl.train_seeds:
        model = _model_stages(abl, cfg, row / "data", row, shared, base_model)
        return [_Run(setting, row, row, None, data, model)]
    runs = []
    for i, seed in enumerate(abl.train_seeds):
        # The training seed alone changes (the trainer's order and initialisation of anything random);
        # the data stages keep the pipeline's seed, so every training seed reads the same dataset.
        seeded = dataclasses.replace(cfg, train_args={**cfg.train_args, "seed": seed})
        out = row / f"train-seed{seed}"
        model = _model_stages(abl, seeded, row / "data", out, shared, base_model)
        runs.append(_Run(setting, row, out, seed, data if i == 0 else [], model))
    return runs


def run_ablation(abl: AblationConfig) -> Path:
    """Run every setting (once, or once per seed in `seed<N>/` with an aggregate table on top) and
    write the table and plot; returns the top-level `ablation.md`."""
    out = Path(abl.run_dir)
    with run_lock(out), machine_run(out):
        return _run_locked(abl, out)


def _run_locked(abl: AblationConfig, out: Path) -> Path:
    title = "Filter ablation" + (f", training seeds {abl.train_seeds}" if abl.train_seeds else "")
    if not abl.seeds:
        return write_table(out, _run_settings(abl), title=title)
    per_seed: dict[int, list[dict[str, Any]]] = {}
    for seed, one in _per_seed(abl):
        logger.info("ablation seed %d of %s", seed, abl.seeds)
        per_seed[seed] = _run_settings(one)
        write_table(Path(one.run_dir), per_seed[seed], title=f"{title}, seed {seed}")
    return write_table(out, aggregate_seeds(per_seed), title=f"{title}, seeds {abl.seeds}")


def _per_seed(abl: AblationConfig) -> list[tuple[int, AblationConfig]]:
    """One single-seed ablation per seed, in `seed<N>/` with the pipeline seed overridden."""
    out = Path(abl.run_dir)
    return [
        (
            seed,
            dataclasses.replace(
                abl, run_dir=str(out / f"seed{seed}"), overrides={**abl.overrides, "seed": seed}, seeds=None
            ),
        )
        for seed in abl.seeds or []
    ]


@dataclasses.dataclass
class _Plan:
    """Every stage of a single-seed ablation, in run order: shared, then per setting."""

    shared_dir: Path
    shared: list[Stage]
    base_eval: list[Stage]
    runs: list[_Run]
    tau_domains: list[str]


def _plan(abl: AblationConfig) -> _Plan:
    out = Path(abl.run_dir)
    shared = out / "shared"
    base_cfg = load_pipeline_config(abl.pipeline, {**abl.overrides, "run_dir": str(shared)})
    upstream = [s for s in build_stages(base_cfg) if s.name in ("graph", "chains", "synth")]
    base_stages, base_model = resolve_base_model(base_cfg, shared)
    probe_stages = probe_data_stages(base_cfg, shared, abl.imitation) if abl.imitation else []
    base_eval = _evaluations(base_cfg, base_model, shared, "base", abl.tau) if base_cfg.evaluate_base else []
    runs = []
    for setting in abl.settings:
        cfg = dataclasses.replace(base_cfg, run_dir=str(out / setting.name), filter=setting.filter)
        runs += _setting_runs(abl, cfg, shared, base_model, setting)
    domains = tau_domains(base_cfg) if abl.tau else []
    return _Plan(shared, upstream + probe_stages + base_stages, base_eval, runs, domains)


def plan_ablation(abl: AblationConfig) -> list[dict[str, Any]]:
    """Resolve every stage of every row (and seed) without running anything (`--dry-run`)."""
    runs = _per_seed(abl) if abl.seeds else [(None, abl)]
    steps: list[dict[str, Any]] = []
    for seed, one in runs:
        p = _plan(one)
        rows: list[tuple[str, int | None, Stage]] = [("shared", None, s) for s in p.shared + p.base_eval]
        rows += [(r.setting.name, r.train_seed, s) for r in p.runs for s in r.data + r.model]
        steps += [
            {
                "seed": seed,
                "row": row,
                "train_seed": train_seed,
                "stage": s.name,
                "argv": s.argv,
                "out": str(s.out),
                "inputs": [str(i) for i in s.inputs],
            }
            for row, train_seed, s in rows
        ]
    return steps


def _run_settings(abl: AblationConfig) -> list[dict[str, Any]]:
    p = _plan(abl)
    for stage in p.shared:
        run_stage(stage, logs_dir=p.shared_dir / "logs")
    rows: list[dict[str, Any]] = []
    if p.base_eval:
        for stage in p.base_eval:
            run_stage(stage, logs_dir=p.shared_dir / "logs")
        counts = _tau_counts(p.shared_dir, "base", p.tau_domains)
        rows.append(_row(BASE_ROW, p.shared_dir / "eval" / "bfcl-base" / "report.json", counts))
    per_train_seed: dict[int, list[dict[str, Any]]] = {}
    for r in p.runs:
        seed_note = "" if r.train_seed is None else f", training seed {r.train_seed}"
        logger.info("ablation setting %s%s: %s", r.setting.name, seed_note, r.setting.filter)
        for stage in r.data:
            run_stage(stage, logs_dir=r.row_dir / "logs")
        for stage in r.model:
            run_stage(stage, logs_dir=r.out / "logs")
        counts = _filter_counts(r.row_dir / "filter")
        if abl.imitation:
            counts.update(_imitation_counts(r.out / "eval" / "imitation" / "report.json"))
        if abl.decisions:
            counts.update(_decisions_counts(r.out / "eval" / "decisions" / "report.json"))
        counts.update(_tau_counts(r.out, "tuned", p.tau_domains))
        row = _row(r.setting.name, r.out / "eval" / "bfcl-tuned" / "report.json", counts)
        if r.train_seed is None:
            rows.append(row)
        else:
            per_train_seed.setdefault(r.train_seed, []).append(row)
    if per_train_seed:
        rows += aggregate_seeds(per_train_seed, axis="train_seed")
    return rows


def _tau_counts(run: Path, label: str, domains: list[str]) -> dict[str, Any]:
    """τ² pass^1 per domain from `eval/tau-<domain>-<label>/report.json` (episodes as the n)."""
    raw: dict[str, tuple[int, int]] = {}
    users: set[str] = set()
    for domain in domains:
        path = run / "eval" / f"tau-{domain}-{label}" / "report.json"
        if not path.exists():
            continue
        report = json.loads(path.read_text(encoding="utf-8"))
        # pass^1 is the mean success over every trial of every task: successes / (tasks x trials).
        episodes = int(report["num_tasks"]) * int(report["trials"])
        raw[domain] = (round(float(report["pass^k"]["1"]) * episodes), episodes)
        users.add(str(report.get("user_model")))
    if not raw:
        return {}
    # τ² scores move with the user simulator: it is named beside them.
    return {**_tau_columns(raw), "tau_user_model": " / ".join(sorted(users))}


def _tau_columns(raw: dict[str, tuple[int, int]]) -> dict[str, Any]:
    """Table columns from τ² (successes, episodes) per domain; `_tau` keeps the counts for aggregation.
    The leaderboard's overall τ² score is the unweighted mean of the domains' pass^1."""
    out: dict[str, Any] = {}
    for domain, (ok, episodes) in sorted(raw.items()):
        lo, hi = wilson_interval(ok, episodes)
        out[f"tau_{domain}_pass1"] = round(100 * ok / max(episodes, 1), 1)
        out[f"tau_{domain}_episodes"] = episodes
        out[f"tau_{domain}_ci95"] = f"{100 * lo:.0f}-{100 * hi:.0f}"
    rates = [ok / max(episodes, 1) for ok, episodes in raw.values()]
    out["tau_mean_pass1"] = round(100 * sum(rates) / len(rates), 1)
    out["_tau"] = dict(raw)
    return out


def aggregate_seeds(per_seed: dict[int, list[dict[str, Any]]], *, axis: str = "seed") -> list[dict[str, Any]]:
    """One row per setting over all seeds. Counts are summed (BFCL entries and probe points over the
    seeds' runs); each seed's pooled score, per-category scores and probe mistake rate are listed beside
    the sums, since the spread between seeds is the run-to-run noise a single-seed table hides. `axis`
    names what the seeds are: "seed" (pipeline seeds: other data and another training order; columns
    `seeds`, `pooled_per_seed`, ...) or "train_seed" (training seeds over one dataset: its filter counts
    are one figure, not a list). The BFCL sample is the same in every seed, so its pooled
    interval treats correlated entries as independent: it shows sampling noise of the runs, not of the
    benchmark sample."""
    seeds = sorted(per_seed)
    names = list(dict.fromkeys(r["setting"] for s in seeds for r in per_seed[s]))
    rows: list[dict[str, Any]] = []
    for name in names:
        runs = [r for s in seeds for r in per_seed[s] if r["setting"] == name]
        ran = [s for s in seeds if any(r["setting"] == name for r in per_seed[s])]
        row: dict[str, Any] = {"setting": name, f"{axis}s": " ".join(str(s) for s in ran)}
        if axis == "seed" and runs[0].get("train_seeds"):
            row["train_seeds"] = runs[0]["train_seeds"]  # each seed's rows were trained at these
        for key in ("dropped_trajectories", "masked_turns", "assistant_turns"):
            values = [r.get(key) for r in runs]
            if axis == "train_seed" and values[0] is not None:
                row[key] = values[0]
            elif any(v is not None for v in values):
                row[key] = " / ".join("" if v is None else str(v) for v in values)
        cats: dict[str, tuple[int, int]] = {}
        for r in runs:
            for cat, (correct, total) in r["_counts"].items():
                c, t = cats.get(cat, (0, 0))
                cats[cat] = (c + correct, t + total)
        for key in (f"bfcl_{k}" for k in MISTAKE_KINDS):
            values = [r.get(key) for r in runs]
            row[key] = None if any(v is None for v in values) else sum(values)
        _score_columns(row, cats)
        row[f"pooled_per_{axis}"] = " / ".join(str(r["pooled"]) for r in runs)
        for cat in sorted(cats):
            # Where a call/decline threshold lands differs by run: the per-category spread shows it.
            row[f"{cat}_per_{axis}"] = " / ".join("" if r.get(cat) is None else str(r[cat]) for r in runs)
        taus = [r["_tau"] for r in runs if r.get("_tau")]
        if taus:
            domains = sorted({d for t in taus for d in t})
            summed = {
                d: (sum(t[d][0] for t in taus if d in t), sum(t[d][1] for t in taus if d in t))
                for d in domains
            }
            row.update(_tau_columns(summed))
            row[f"tau_mean_pass1_per_{axis}"] = " / ".join(str(r.get("tau_mean_pass1")) for r in runs)
            row["tau_user_model"] = " / ".join(
                sorted({str(r["tau_user_model"]) for r in runs if r.get("tau_user_model")})
            )
        probes = [r["_imitation"] for r in runs if r.get("_imitation")]
        if probes:
            raw = {k: sum(p[k] for p in probes) for k in ("points", "mistakes", "calls", "no_call")}
            row.update(_imitation_columns(raw))
            rates = " / ".join(str(r.get("imitation_mistake_rate")) for r in runs)
            row[f"imitation_rate_per_{axis}"] = rates
        judged = [r for r in runs if "_decisions_target" in r]
        if judged:
            # Each model has its own threshold and ranking: their figures side by side, not pooled.
            for key in DECISIONS_COLUMNS:
                row[key] = " / ".join("" if r.get(key) is None else str(r[key]) for r in runs)
            row["_decisions_target"] = judged[0]["_decisions_target"]
        row["_counts"] = cats
        rows.append(row)
    return rows


# BFCL failures of the kinds the scripted backend injects (synth `errors.kinds`), by the scorer's
# error_type: a model that learnt the unmasked mistakes makes more of them. (An invented date fails as
# a generic value_error, indistinguishable from other wrong values, so it has no column.)
MISTAKE_KINDS = {
    "wrong_type": lambda kind: kind.startswith("type_error"),
    "missing_required": lambda kind: kind.endswith(":missing_required"),
    "wrong_tool": lambda kind: kind.endswith(":wrong_func_name"),
}


def _mistake_counts(report: dict[str, Any]) -> dict[str, int | None]:
    """BFCL failures per injected-mistake kind, summed over the categories; None without error types
    (reports written before they were recorded)."""
    per_cat = [c.get("error_types") for c in report.get("categories", {}).values()]
    if not per_cat or any(kinds is None for kinds in per_cat):
        return {f"bfcl_{k}": None for k in MISTAKE_KINDS}
    return {
        f"bfcl_{name}": sum(n for kinds in per_cat for kind, n in kinds.items() if match(kind))
        for name, match in MISTAKE_KINDS.items()
    }


def _imitation_counts(report_path: Path) -> dict[str, Any]:
    """The probe's mistake rate (and how often the model did not call at all) for the table."""
    if not report_path.exists():
        return {}
    report = json.loads(report_path.read_text(encoding="utf-8"))
    outcomes = report["outcomes"]
    points = report["points"]
    mistakes = sum(outcomes[k]["count"] for k in MISTAKES)
    no_call = outcomes["no_call"]["count"]
    calls = points - no_call - outcomes["invalid_call"]["count"]
    return _imitation_columns({"points": points, "mistakes": mistakes, "calls": calls, "no_call": no_call})


def _imitation_columns(raw: dict[str, int]) -> dict[str, Any]:
    """Table columns from the probe's counts (one run's, or summed over seeds); `_imitation` keeps the
    counts themselves for aggregation and the plot, not as a column."""
    points, mistakes = raw["points"], raw["mistakes"]
    lo, hi = wilson_interval(mistakes, points)
    return {
        "imitation_points": points,
        "imitation_mistakes": mistakes,
        "imitation_mistake_rate": round(100 * mistakes / max(points, 1), 1),
        "imitation_ci95": f"{100 * lo:.0f}-{100 * hi:.0f}",
        "imitation_no_call": round(100 * raw["no_call"] / max(points, 1), 1),
        # per call made: a model that calls less cannot look careful by not calling
        "imitation_mistakes_per_call": round(100 * mistakes / max(raw["calls"], 1), 1),
        "_imitation": dict(raw),
    }


DECISIONS_COLUMNS = (
    "decisions_auc",
    "decisions_auc_ci95",
    "decisions_relevant_at_target",
    "decisions_relevant_ci95",
    "decisions_irrelevance_at_target",
)


def _decisions_counts(report_path: Path) -> dict[str, Any]:
    """The decisions report's AUC and operating point for the table."""
    if not report_path.exists():
        return {}
    return _decisions_columns(json.loads(report_path.read_text(encoding="utf-8")))


def _decisions_columns(report: dict[str, Any]) -> dict[str, Any]:
    """Table columns from a `toolmind eval decisions` report: the AUC (0-1) with its Hanley-McNeil
    interval, and at the operating point the accuracy (%) of the entries that need a call with its
    Wilson interval and the irrelevance (%) actually reached (it can miss the target: the threshold is
    chosen again only a few rounds). None where a figure is undefined (no entries on one side).
    `_decisions_target` keeps the target for the table's note, not as a column."""
    value = report.get("auc")
    auc_lo, auc_hi = report["auc_ci95"] or (None, None)
    operating = report["operating"]
    relevant = operating["needing_a_call"]
    rel_lo, rel_hi = relevant["ci95"]
    irrelevance = [operating[c] for c in IRRELEVANCE_CATEGORIES if c in operating]
    declined = sum(c["correct"] for c in irrelevance)
    irrelevance_total = sum(c["total"] for c in irrelevance)
    return {
        "decisions_auc": None if value is None else round(value, 3),
        "decisions_auc_ci95": None if value is None else f"{auc_lo:.2f}-{auc_hi:.2f}",
        "decisions_relevant_at_target": (
            round(100 * relevant["correct"] / relevant["total"], 1) if relevant["total"] else None
        ),
        "decisions_relevant_ci95": f"{100 * rel_lo:.0f}-{100 * rel_hi:.0f}" if relevant["total"] else None,
        "decisions_irrelevance_at_target": (
            round(100 * declined / irrelevance_total, 1) if irrelevance_total else None
        ),
        "_decisions_target": float(report["settings"]["irrelevance_target"]),
    }


def _notes(rows: list[dict[str, Any]]) -> list[str]:
    """Lines under the markdown table that say what its less obvious columns are."""
    targets = sorted({r["_decisions_target"] for r in rows if "_decisions_target" in r})
    if not targets:
        return []
    at = " / ".join(f"{100 * t:g}%" for t in targets)
    return [
        "decisions_*: `toolmind eval decisions` on each model's BFCL outputs (docs/bfcl.md). decisions_auc "
        "[decisions_auc_ci95, Hanley-McNeil]: how well the call score (log-probability of answering with a "
        "call at once) ranks the entries that need a call over the irrelevance entries, 0.5 = chance; "
        f"decisions_relevant_at_target [decisions_relevant_ci95, Wilson]: accuracy (%) of the entries that "
        f"need a call when the model calls iff its call score exceeds the lowest threshold whose "
        f"irrelevance reaches {at} (decisions_irrelevance_at_target: the irrelevance reached), scored by "
        "the official scorer: a diagnostic, not a BFCL score (the threshold is fitted on the benchmark). "
        "Over several seeds each model's figures are listed (' / '), not pooled.",
    ]


def _row(name: str, report_path: Path, counts: dict[str, Any]) -> dict[str, Any]:
    report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.exists() else {}
    cats = bfcl_categories(report)
    row: dict[str, Any] = {"setting": name, **counts, **_mistake_counts(report)}
    _score_columns(row, cats)
    row["_counts"] = cats  # raw (correct, total) per category: error bars, aggregation; not a column
    return row


def _score_columns(row: dict[str, Any], cats: dict[str, tuple[int, int]]) -> None:
    """Per-category accuracy (%) and n, and the pooled score with its 95% Wilson interval."""
    for cat, (correct, total) in sorted(cats.items()):
        row[cat] = round(100 * correct / max(total, 1), 1)
        row[f"{cat}_n"] = total
    correct = sum(c for c, _ in cats.values())
    total = sum(t for _, t in cats.values())
    lo, hi = wilson_interval(correct, total)
    row["pooled"] = round(100 * correct / max(total, 1), 1)
    row["pooled_ci95"] = f"{100 * lo:.0f}-{100 * hi:.0f}"


def write_table(out: Path, rows: list[dict[str, Any]], title: str = "Filter ablation") -> Path:
    out.mkdir(parents=True, exist_ok=True)
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns and not k.startswith("_")]
    with open(out / "ablation.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    md = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    md += ["| " + " | ".join("" if r.get(c) is None else str(r.get(c)) for c in columns) + " |" for r in rows]
    notes = _notes(rows)
    md += ["", *notes] if notes else []
    (out / "ablation.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    _plot(out / "ablation.png", rows, title)
    return out / "ablation.md"


def _plot(path: Path, rows: list[dict[str, Any]], title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cats = sorted({k for r in rows for k in r if f"{k}_n" in r})
    probed = [r for r in rows if r.get("_imitation")]
    width_in = max(6, 1.6 * len(rows) * max(len(cats), 1) / 2)
    if probed:
        fig, (ax, ax_probe) = plt.subplots(
            1, 2, figsize=(width_in + 1.2 * len(probed) + 1, 4), gridspec_kw={"width_ratios": [3, 1]}
        )
    else:
        fig, ax = plt.subplots(figsize=(width_in, 4))
    width = 0.8 / max(len(rows), 1)
    for i, row in enumerate(rows):
        xs = [j + i * width for j in range(len(cats))]
        heights = [row.get(c, 0) or 0 for c in cats]
        # 95% Wilson intervals: at n = 15 per category they are wider than most differences between rows
        counts = row.get("_counts", {})
        # A category this row did not run has no bar and no error bar (not the (0, 1) of "no data").
        bounds = [wilson_interval(*counts[c]) if c in counts else (0.0, 0.0) for c in cats]
        ax.bar(
            xs,
            heights,
            width,
            label=row["setting"],
            yerr=_yerr(heights, bounds) if counts else None,
            capsize=2,
        )
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(cats))], cats)
    ax.set_ylabel("BFCL accuracy (%), 95% CI")
    ax.set_ylim(0, 100)
    ax.set_title(title)
    ax.legend(fontsize=8)
    if probed:
        # The probe's mistake rate: the measure the turn filter is for (lower is better).
        colours = {r["setting"]: f"C{i}" for i, r in enumerate(rows)}
        rates = [100 * r["_imitation"]["mistakes"] / max(r["_imitation"]["points"], 1) for r in probed]
        bounds = [wilson_interval(r["_imitation"]["mistakes"], r["_imitation"]["points"]) for r in probed]
        ax_probe.bar(
            range(len(probed)),
            rates,
            0.7,
            color=[colours[r["setting"]] for r in probed],
            yerr=_yerr(rates, bounds),
            capsize=3,
        )
        ax_probe.set_xticks(range(len(probed)), [r["setting"] for r in probed], fontsize=8)
        ax_probe.set_ylabel("held-out mistakes (%), 95% CI")
        ax_probe.set_ylim(0, 100)
        ax_probe.set_title("mistake imitation")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _yerr(heights: list[float], bounds: list[tuple[float, float]]) -> list[list[float]]:
    """matplotlib's asymmetric error bars from (low, high) proportions around percentages."""
    return [
        [max(h - 100 * lo, 0) for h, (lo, _) in zip(heights, bounds, strict=True)],
        [max(100 * hi - h, 0) for h, (_, hi) in zip(heights, bounds, strict=True)],
    ]
