"""Mistake imitation on held-out synthesized conversations: does a model make the injected mistakes?

The turn-level filter exists so that a model does not learn the bad assistant turns it is trained
beside. BFCL cannot show that at demo scale (its single-turn entries never look like the training
conversations, and a weak model fails them for other reasons), so this probe measures it where the
mistakes were learnt: on conversations synthesized like the training data but held out from it.

A *probe point* is an assistant turn of a held-out trajectory where the synthesized assistant makes a
first attempt at a tool call: every call turn except the correction that follows an injected mistake
(its context already shows the error). Injected-mistake turns are probe points too: that is where the
training data, unmasked, teaches the mistake. The model gets the conversation up to that turn (the
same Qwen3 rendering training uses), generates one turn greedily, and the turn is checked with the
turn filter's own schema rules against the trajectory's tools:

    invalid_call      a <tool_call> block that does not decode
    no_call           no tool call where the conversation needs one (answering, asking, or inventing)
    unknown_tool      a name that is not among the tools
    wrong_tool        an offered tool, but not the one the conversation's correct call uses
    missing_required  a required argument left out
    wrong_type        an argument of the wrong JSON type
    clean_call        none of the above (values are not checked: the probe measures mistakes, not skill)

`mistake_rate` counts unknown_tool + wrong_tool + missing_required + wrong_type: the kinds the scripted
backend injects. Points are written to points.jsonl as each batch finishes, and a rerun skips the
points already there.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from toolmind.schema import JsonlAppender, Message, Trajectory, read_jsonl

log = logging.getLogger(__name__)

OUTCOMES = (
    "clean_call",
    "no_call",
    "invalid_call",
    "unknown_tool",
    "wrong_tool",
    "missing_required",
    "wrong_type",
)
MISTAKES = ("unknown_tool", "wrong_tool", "missing_required", "wrong_type")


@dataclass(frozen=True)
class ProbePoint:
    trajectory_id: str
    message_index: int
    injected: str | None  # the kind of mistake the synthesized turn carries, if any
    expected_tools: tuple[str, ...]  # the tools the conversation's correct call uses

    @property
    def key(self) -> str:
        return f"{self.trajectory_id}#{self.message_index}"


@dataclass
class ImitationConfig:
    model: str
    trajectories: str
    out: str
    exclude: list[str] = field(default_factory=list)
    thinking: bool = True
    max_new_tokens: int = 128
    batch_size: int = 16
    max_points: int | None = None
    device: str = "cpu"
    dtype: str = "float32"


def _injected(traj: Trajectory) -> dict[int, str]:
    items = traj.meta.get("injected_errors") or []
    return {int(e["message_index"]): str(e.get("kind", "")) for e in items if isinstance(e, dict)}


def probe_points(traj: Trajectory) -> list[ProbePoint]:
    """The first-attempt call turns of `traj` (see the module docstring)."""
    injected = _injected(traj)
    calls = [i for i, m in enumerate(traj.messages) if m.role == "assistant" and m.tool_calls]
    points = []
    previous_assistant: int | None = None
    for i, msg in enumerate(traj.messages):
        if msg.role != "assistant":
            continue
        is_fix = previous_assistant is not None and previous_assistant in injected
        previous_assistant = i
        if not msg.tool_calls or is_fix:
            continue
        # The correct call: this turn's, or, for an injected mistake, the next clean call turn's.
        correct = next((j for j in calls if j >= i and j not in injected), None)
        if correct is None:
            continue
        names = tuple(sorted({c.function.name for c in traj.messages[correct].tool_calls or []}))
        points.append(ProbePoint(traj.id, i, injected.get(i), names))
    return points


def classify(message: Message, traj: Trajectory, expected: tuple[str, ...]) -> str:
    """The outcome of one generated turn (the first mistake found, in the order of `OUTCOMES`)."""
    from toolmind.filter.rules import schema_validator

    if message.parse_error:
        return "invalid_call"
    if not message.tool_calls:
        return "no_call"
    tools = traj.tool_by_name()
    found: set[str] = set()
    for call in message.tool_calls:
        spec = tools.get(call.function.name)
        if spec is None:
            found.add("unknown_tool")
            continue
        if call.function.name not in expected:
            found.add("wrong_tool")
        try:
            arguments = json.loads(call.function.arguments or "{}")
        except json.JSONDecodeError:
            found.add("invalid_call")
            continue
        validator = schema_validator(spec.function.parameters)
        if validator is None:
            continue
        for error in validator.iter_errors(arguments):
            found.add("missing_required" if error.validator == "required" else "wrong_type")
    return next((o for o in OUTCOMES[2:] if o in found), "clean_call")


def _goal(traj: Trajectory) -> str:
    return next((m.content.strip() for m in traj.messages if m.role == "user"), "")


def load_points(cfg: ImitationConfig) -> tuple[dict[str, Trajectory], list[ProbePoint], int]:
    """Held-out trajectories by id, their probe points, and how many were excluded as seen in training."""
    seen: set[str] = set()
    for path in cfg.exclude:
        seen |= {_goal(t) for t in read_jsonl(path, Trajectory, strict=True).records}
    trajs: dict[str, Trajectory] = {}
    excluded = 0
    for traj in read_jsonl(cfg.trajectories, Trajectory, strict=True).records:
        if _goal(traj) in seen:
            excluded += 1
            continue
        trajs[traj.id] = traj
    points = [p for t in trajs.values() for p in probe_points(t)]
    if cfg.max_points is not None:
        points = points[: cfg.max_points]
    return trajs, points, excluded


def run_probe(cfg: ImitationConfig) -> dict[str, Any]:
    """Generate at every probe point not yet in OUT/points.jsonl, then write OUT/report.{json,md}."""
    from toolmind.chat import parse
    from toolmind.llm.base import ChatRequest
    from toolmind.llm.transformers_backend import TransformersBackend

    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    trajs, points, excluded = load_points(cfg)
    points_path = out / "points.jsonl"
    done = {r["key"] for r in _read_points(points_path)}
    todo = [p for p in points if p.key not in done]
    log.info(
        "imitation probe: %d points in %d trajectories, %d already done", len(points), len(trajs), len(done)
    )
    start = time.monotonic()
    if todo:
        backend = TransformersBackend(
            cfg.model,
            device=cfg.device,
            dtype=cfg.dtype,
            batch_size=cfg.batch_size,
            enable_thinking=cfg.thinking,
        )
        prompt_of: dict[str, str] = {}
        for p in todo:
            traj = trajs[p.trajectory_id]
            request = ChatRequest(
                messages=traj.messages[: p.message_index], tools=traj.tools, enable_thinking=cfg.thinking
            )
            prompt_of[p.key] = backend.prompt(request)
        # Batches of similar length: in trajectory order a batch mixes a conversation's first turn with
        # its tenth, and padding was 38% of the prefill (benchmarks/imitation_batching.py).
        todo.sort(key=lambda p: len(prompt_of[p.key]))
        with JsonlAppender(points_path) as sink:
            for at in range(0, len(todo), cfg.batch_size):
                batch = todo[at : at + cfg.batch_size]
                texts = backend.generate_texts([prompt_of[p.key] for p in batch], cfg.max_new_tokens)
                for p, text in zip(batch, texts, strict=True):
                    outcome = classify(parse(text), trajs[p.trajectory_id], p.expected_tools)
                    sink.append({"key": p.key, **asdict(p), "output": text, "outcome": outcome})
                log.info(
                    "imitation probe: %d/%d points (%.0f s)",
                    at + len(batch),
                    len(todo),
                    time.monotonic() - start,
                )
    keys = {p.key for p in points}
    records = [r for r in _read_points(points_path) if r["key"] in keys]
    report = summarise(records, cfg, excluded=excluded, trajectories=len(trajs))
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (out / "report.md").write_text(markdown(report), encoding="utf-8")
    return report


def _read_points(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _share(n: int, total: int) -> dict[str, Any]:
    from toolmind.eval.bfcl.report import wilson_interval

    lo, hi = wilson_interval(n, total)
    return {"count": n, "share": n / total if total else 0.0, "ci95": [lo, hi]}


def summarise(
    records: list[dict[str, Any]], cfg: ImitationConfig, *, excluded: int, trajectories: int
) -> dict[str, Any]:
    """Counts and shares (95% Wilson intervals) of each outcome, overall and at injected-mistake turns."""
    total = len(records)
    counts = Counter(r["outcome"] for r in records)
    at_injected = [r for r in records if r.get("injected")]
    mistakes = sum(counts[k] for k in MISTAKES)
    # A model that calls less makes fewer mistakes per point; per call made, it cannot hide that way.
    calls = total - counts["no_call"] - counts["invalid_call"]
    return {
        "model": cfg.model,
        "trajectories": cfg.trajectories,
        "held_out_trajectories": trajectories,
        "excluded_as_seen": excluded,
        "settings": {"thinking": cfg.thinking, "max_new_tokens": cfg.max_new_tokens, "decoding": "greedy"},
        "points": total,
        "outcomes": {k: _share(counts[k], total) for k in OUTCOMES},
        "mistake_rate": _share(mistakes, total),
        "mistake_rate_among_calls": _share(mistakes, calls),
        "points_at_injected_turns": len(at_injected),
        "mistake_rate_at_injected_turns": _share(
            sum(1 for r in at_injected if r["outcome"] in MISTAKES), len(at_injected)
        ),
    }


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Mistake imitation probe: {report['model']}",
        "",
        f"{report['points']} first-attempt call turns of {report['held_out_trajectories']} held-out "
        f"synthesized trajectories ({report['trajectories']}; {report['excluded_as_seen']} excluded as seen "
        f"in training); settings: {json.dumps(report['settings'])}.",
        "",
        "| outcome | count | share [95% CI] |",
        "|---|---:|---|",
    ]
    rows = [
        *report["outcomes"].items(),
        ("**mistakes** (" + " + ".join(MISTAKES) + ")", report["mistake_rate"]),
    ]
    for name, s in rows:
        lo, hi = s["ci95"]
        lines.append(f"| {name} | {s['count']} | {100 * s['share']:.1f}% [{100 * lo:.0f}–{100 * hi:.0f}] |")
    s = report["mistake_rate_among_calls"]
    lines += [
        "",
        f"Among the {s['count'] + report['outcomes']['clean_call']['count']} turns that made a call: "
        f"{s['count']} mistakes ({100 * s['share']:.1f}%).",
    ]
    s = report["mistake_rate_at_injected_turns"]
    lines += [
        "",
        f"At the {report['points_at_injected_turns']} points where the synthesized turn carried an injected "
        f"mistake: {s['count']} mistakes ({100 * s['share']:.1f}%).",
        "",
    ]
    return "\n".join(lines)
