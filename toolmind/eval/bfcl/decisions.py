"""Call-or-decline judgement on BFCL, free of the threshold: `toolmind eval decisions`.

Two models can judge alike which requests their tools serve and still score far apart on BFCL's
irrelevance and simple/multiple categories, because training order moves where they start declining
(recipes/README.md, "Three training seeds on the demo's own data"). This module separates the two.

**Score.** Each entry's *call score* is the log-probability, teacher-forced after the official prompt,
of answering with a call at once: the empty think block and ``<tool_call>`` (``<think>\n\n</think>\n\n
<tool_call>``; ``<tool_call>`` alone when thinking is off and the prompt already holds the empty block).
Why not the ``<tool_call>`` logit at the first answer token: the demo's models commit earlier, at the
whitespace after ``</think>`` (``\n\n`` then a call, ``\n`` ``\n`` then a decline), and among the
entries that reach ``<tool_call>`` its margin ranks irrelevant ones higher (AUC 0.35 for expV0t1); the
whole prefix carries both steps.

* **Ranking** (threshold-free): the AUC of the call scores of entries that need a call (every
  single-turn category but the irrelevance ones) over those that need none (irrelevance,
  live_irrelevance); 0.5 is chance. ROC points at fixed irrelevance rates.
* **Operating point** (exact): the policy "call iff the call score exceeds t", with t the lowest
  threshold whose irrelevance reaches a target (the goal's 80% by default), decoded and scored by the
  official scorer next to the stored outputs. An entry it sends to a call answers with the call prefix
  and the greedy rest; one it sends to no call answers greedily with ``<tool_call>`` forbidden while the
  output is still think tags and whitespace. Stored greedy outputs are reused wherever they are exactly
  that answer (a greedy call along the call prefix; a greedy output that does not call first), so only
  the others are generated.

The operating point is a **diagnostic, not a BFCL score**: t is chosen on the benchmark's own
irrelevance entries. It answers "could this model reach both goals at some threshold?", and it compares
recipes at equal irrelevance instead of wherever their training order put them. It is meant for models
that answer without reasoning (the demo's `reasoning: drop`); for one that reasons first the empty think
block is no answer it would give.
"""

from __future__ import annotations

import bisect
import json
import logging
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import torch
from transformers import LogitsProcessor, LogitsProcessorList

from toolmind.chat.render import EMPTY_THINK
from toolmind.eval.bfcl.data import SINGLE_TURN_CATEGORIES, bfcl_version, load_questions
from toolmind.eval.bfcl.generators import TransformersGenerator
from toolmind.eval.bfcl.prompt import format_prompt, parse_response, prepare_entry
from toolmind.eval.bfcl.report import wilson_interval
from toolmind.eval.bfcl.request_form import Form, request_form
from toolmind.eval.bfcl.results import (
    append_results,
    checkpoint_fingerprint,
    load_results,
    read_manifest,
    result_file,
)
from toolmind.eval.bfcl.score import score_run
from toolmind.llm.transformers_backend import TransformersBackend, cut_at_stop

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: Categories whose entries must not be answered with a call.
IRRELEVANT = ("irrelevance", "live_irrelevance")
CALL_TOKEN = "<tool_call>"
#: Rounds of choosing the threshold again when the scored irrelevance falls short of the target.
MAX_ROUNDS = 4


@dataclass
class DecisionsConfig:
    """One `toolmind eval decisions` run."""

    model: str = field(metadata={"help": "checkpoint directory (transformers) that produced `results`"})
    results: str = field(
        metadata={
            "help": "its BFCL result folder (OUT/results/<model-key> of `toolmind eval bfcl`), or OUT "
            "itself when it holds one result folder of the model"
        }
    )
    out: str = field(metadata={"help": "output folder: scores.jsonl, results/, report.json/.md"})
    irrelevance_target: float = field(
        default=0.8, metadata={"help": "irrelevance rate the operating point must reach (0-1)"}
    )
    batch_size: int = field(default=16, metadata={"help": "prompts per generation call (flipped entries)"})
    device: str = field(default="cpu", metadata={"help": "torch device"})
    dtype: str = field(default="float32", metadata={"help": "torch dtype (the evaluation's)"})

    def __post_init__(self) -> None:
        if not 0.0 < self.irrelevance_target <= 1.0:
            raise ValueError(f"irrelevance_target must be in (0, 1], got {self.irrelevance_target}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")


@dataclass
class Decision:
    """One entry's call score."""

    id: str
    category: str
    score: float = field(metadata={"help": "log-probability of the call prefix after the prompt"})
    greedy_call: bool = field(metadata={"help": "whether greedy decoding follows the call prefix"})

    @property
    def relevant(self) -> bool:
        return self.category not in IRRELEVANT


class NoCallInPreamble(LogitsProcessor):
    """Forbid `token_id` in every row whose generated tokens (after `start`) are all preamble tokens
    (think tags, whitespace): the greedy answer that does not call first."""

    def __init__(self, token_id: int, start: int, preamble: torch.Tensor) -> None:
        self.token_id = token_id
        self.start = start
        self.preamble = preamble  # bool per vocabulary id

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        generated = input_ids[:, self.start :]
        rows = self.preamble.to(input_ids.device)[generated].all(dim=1)
        if not bool(rows.any()):
            return scores
        scores = scores.clone()
        scores[rows, self.token_id] = torch.finfo(scores.dtype).min
        return scores


def auc(positive: list[float], negative: list[float]) -> float | None:
    """P(a positive's score > a negative's), ties counting half (the Mann-Whitney AUC)."""
    if not positive or not negative:
        return None
    neg = sorted(negative)
    wins = 0.0
    for p in positive:
        below = bisect.bisect_left(neg, p)
        wins += below + 0.5 * (bisect.bisect_right(neg, p) - below)
    return wins / (len(positive) * len(neg))


def form_figures(scored: list[tuple[float, bool, Form]]) -> dict[str, Any]:
    """From (call score, needs a call, request form) per entry: the entries and the AUC (needing a call
    over irrelevant) within each form, and `form_auc`, the AUC of instructions over questions among the
    entries that need a call (0.5: the form does not move the call score). None where a side is empty."""
    out: dict[str, Any] = {}
    for form in ("question", "instruction"):
        pos = [s for s, relevant, f in scored if relevant and f == form]
        neg = [s for s, relevant, f in scored if not relevant and f == form]
        out[form] = {"needing_a_call": len(pos), "irrelevant": len(neg), "auc": auc(pos, neg)}
    out["form_auc"] = auc(
        [s for s, relevant, f in scored if relevant and f == "instruction"],
        [s for s, relevant, f in scored if relevant and f == "question"],
    )
    return out


def auc_interval(value: float, positives: int, negatives: int, z: float = 1.96) -> tuple[float, float]:
    """95% interval of an AUC by the Hanley-McNeil (1982) standard error."""
    q1, q2 = value / (2 - value), 2 * value * value / (1 + value)
    var = (value * (1 - value) + (positives - 1) * (q1 - value**2) + (negatives - 1) * (q2 - value**2)) / (
        positives * negatives
    )
    half = z * math.sqrt(max(var, 0.0))
    return max(0.0, value - half), min(1.0, value + half)


def auc_with_interval(
    positive: list[float], negative: list[float]
) -> tuple[float | None, list[float] | None]:
    """The AUC and its 95% interval; (None, None) without both kinds of entry. An AUC of 0.0 is a value
    (`auc(...) or 0.5` once centred its interval on 0.5)."""
    value = auc(positive, negative)
    if value is None:
        return None, None
    return value, list(auc_interval(value, len(positive), len(negative)))


def called(row: dict[str, Any]) -> bool:
    """Whether a stored output calls before anything else (no reasoning, then ``<tool_call>``)."""
    return not row.get("reasoning_content") and str(row.get("result", "")).lstrip().startswith(CALL_TOKEN)


def reusable(d: Decision, call: bool, row: dict[str, Any]) -> bool:
    """Whether the stored greedy output is exactly the policy's answer for `d` (see the module doc)."""
    return (d.greedy_call and called(row)) if call else not called(row)


def _entries(run_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """Prepared entries of every single-turn category with outputs in `run_dir`, in file order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for category in SINGLE_TURN_CATEGORIES:
        rows = load_results(result_file(run_dir, category))
        if rows:
            out[category] = [prepare_entry(e) for e in load_questions(category) if e["id"] in rows]
    return out


def _prompt(entry: dict[str, Any], thinking: bool) -> str:
    return format_prompt(entry["question"][0], entry["function"], thinking=thinking)


def _read_records(path: Path, parse: Callable[[Any], T], what: str) -> list[T]:
    """The records of a JSONL file written as a run goes; a torn last line (a killed run) is cut off.

    Raises:
        ValueError: On a bad line that is not the last one (names the file, the line and `what`).
    """
    if not path.is_file():
        return []
    lines = path.read_text().splitlines()
    out: list[T] = []
    for i, line in enumerate(lines):
        try:
            out.append(parse(json.loads(line)))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            if i == len(lines) - 1:
                logger.warning("%s: dropping torn last line %d (interrupted run)", path, i + 1)
                path.write_text("".join(ln + "\n" for ln in lines[:i]))
                break
            raise ValueError(f"{path}:{i + 1}: not {what}: {exc}") from exc
    return out


def read_scores(path: Path) -> list[Decision]:
    """The call scores of an earlier (killed) run (`_read_records`)."""
    return _read_records(path, lambda record: Decision(**record), "a call-score record")


def read_answers(path: Path) -> dict[tuple[str, bool], dict[str, Any]]:
    """Generated answers of an earlier (killed) run, by (entry id, calls first) (`_read_records`)."""

    def parse(record: Any) -> tuple[tuple[str, bool], dict[str, Any]]:
        return (str(record["row"]["id"]), bool(record["call"])), dict(record["row"])

    return dict(_read_records(path, parse, "an answer record"))


def preamble_mask(tokenizer: Any, size: int) -> torch.Tensor:
    """Per vocabulary id: is it a think tag or whitespace only (what may precede the answer)?"""
    mask = torch.zeros(size, dtype=torch.bool)
    for token_id in range(size):
        text = tokenizer.decode([token_id], skip_special_tokens=False)
        mask[token_id] = text in ("<think>", "</think>") or (text != "" and text.strip() == "")
    return mask


def call_prefix(backend: TransformersBackend, thinking: bool) -> list[int]:
    """Token ids of answering with a call at once.

    Raises:
        ValueError: If the tokenizer has no ``<tool_call>`` token (not a Qwen-format model).
    """
    tok = backend.tokenizer
    token_id = tok.convert_tokens_to_ids(CALL_TOKEN)
    if not isinstance(token_id, int) or token_id == tok.unk_token_id:
        raise ValueError(f"{backend.path}: the tokenizer has no {CALL_TOKEN} token (not a Qwen-format model)")
    # Starts with a special token, so alone it tokenizes as it does after the prompt.
    ids: list[int] = tok((EMPTY_THINK if thinking else "") + CALL_TOKEN, add_special_tokens=False)[
        "input_ids"
    ]
    return ids


def measure_scores(
    backend: TransformersBackend, entries: dict[str, list[dict[str, Any]]], thinking: bool, path: Path
) -> list[Decision]:
    """The call score of every entry (one unpadded teacher-forced pass each), appended to `path` as
    measured; ids already there are read back, not measured again."""
    tok, model = backend.tokenizer, backend.model
    prefix = call_prefix(backend, thinking)
    done = {d.id: d for d in read_scores(path)}
    todo = sum(1 for es in entries.values() for e in es if e["id"] not in done)
    start, measured = time.perf_counter(), 0
    decisions: list[Decision] = []
    with path.open("a") as fh, torch.inference_mode():
        for category, es in entries.items():
            for e in es:
                if e["id"] in done:
                    decisions.append(done[e["id"]])
                    continue
                prompt = tok(_prompt(e, thinking), add_special_tokens=False)["input_ids"]
                ids = torch.tensor([prompt + prefix], device=backend.device)
                logits = model(ids).logits[0, len(prompt) - 1 : -1].float()
                target = torch.tensor(prefix, device=logits.device)
                logp = torch.log_softmax(logits, dim=-1).gather(1, target[:, None]).sum()
                greedy = bool((logits.argmax(dim=-1) == target).all())
                d = Decision(e["id"], category, float(logp), greedy)
                fh.write(json.dumps(asdict(d)) + "\n")
                fh.flush()
                decisions.append(d)
                measured += 1
                if measured % 50 == 0 or measured == todo:
                    rate = measured / (time.perf_counter() - start)
                    logger.info("call scores: %d/%d (%.1f entries/s)", measured, todo, rate)
    return decisions


def generate_answers(
    gen: TransformersGenerator, prompts: list[list[int]], call: bool, thinking: bool, batch_size: int
) -> list[tuple[str, int]]:
    """The policy's answers: the call prefix and the greedy rest (`call`), or greedy decoding with
    ``<tool_call>`` forbidden while the output is still preamble. Rows are left-padded as
    `TransformersBackend` pads them and grouped by the stored outputs' token budget. Returns (raw text
    from the first answer token, its length in tokens)."""
    backend = gen.backend
    tok, model = backend.tokenizer, backend.model
    full = call_prefix(backend, thinking)
    prefix = full if call else []
    mask = None if call else preamble_mask(tok, model.get_output_embeddings().weight.shape[0])
    out: list[tuple[str, int]] = [("", 0)] * len(prompts)
    done = 0
    groups: dict[int, list[int]] = {}
    for i, p in enumerate(prompts):
        groups.setdefault(max(1, gen.budget(len(p)) - len(prefix)), []).append(i)
    with torch.inference_mode():
        for budget, members in groups.items():
            members.sort(key=lambda i: len(prompts[i]))
            for b in range(0, len(members), batch_size):
                idx = members[b : b + batch_size]
                rows = [prompts[i] + prefix for i in idx]
                width = max(len(r) for r in rows)
                pad = tok.pad_token_id
                ids = torch.tensor([[pad] * (width - len(r)) + r for r in rows], device=backend.device)
                attention = torch.tensor(
                    [[0] * (width - len(r)) + [1] * len(r) for r in rows], device=backend.device
                )
                processors = LogitsProcessorList(
                    [] if mask is None else [NoCallInPreamble(full[-1], width, mask)]
                )
                generated = model.generate(
                    input_ids=ids,
                    attention_mask=attention,
                    max_new_tokens=budget,
                    do_sample=False,
                    eos_token_id=backend.stop_ids,
                    pad_token_id=pad,
                    logits_processor=processors,
                )
                for row, i in enumerate(idx):
                    new = generated[row, width:].tolist()
                    length = next((k for k, t in enumerate(new) if t in backend.stop_ids), len(new))
                    text = tok.decode(prefix + new[:length], skip_special_tokens=False)
                    out[i] = (cut_at_stop(text), len(prefix) + length)
                done += len(idx)
                logger.info(
                    "answers that %s: %d/%d", "call" if call else "do not call first", done, len(prompts)
                )
    return out


Outcomes = dict[tuple[str, bool], bool]
"""Official outcome (passed?) of an entry's answer, by (entry id, whether the answer calls first)."""


def choose_threshold(decisions: list[Decision], outcomes: Outcomes, target: float) -> float:
    """The lowest threshold t (call iff score > t) whose estimated irrelevance reaches `target`.

    An irrelevance entry whose answer at t has been scored counts its official outcome (`outcomes`);
    another is estimated by the policy's decision (no call succeeds, a call fails); the exact figure
    comes from scoring the policy's answers. -inf when calling everywhere reaches the target."""
    neg = [d for d in decisions if not d.relevant]
    need = math.ceil(target * len(neg) - 1e-9)

    def success(t: float) -> int:
        return sum(outcomes.get((d.id, d.score > t), d.score <= t) for d in neg)

    for t in [-math.inf, *sorted({d.score for d in decisions})]:
        if success(t) >= need:
            return t
    return math.inf


def _cell_figures(correct: int, total: int) -> dict[str, Any]:
    lo, hi = wilson_interval(correct, total)
    return {
        "correct": correct,
        "total": total,
        "accuracy": correct / total if total else 0.0,
        "ci95": [lo, hi],
    }


def _summary(scores: dict[str, Any]) -> dict[str, Any]:
    """Per category, and pooled over the categories that need a call (`needing_a_call`)."""
    out = {category: _cell_figures(s.correct, s.total) for category, s in scores.items()}
    relevant = [s for category, s in scores.items() if category not in IRRELEVANT]
    out["needing_a_call"] = _cell_figures(sum(s.correct for s in relevant), sum(s.total for s in relevant))
    return out


def _row(entry_id: str, text: str, prompt_tokens: int, length: int) -> dict[str, Any]:
    parsed = parse_response(text)
    row: dict[str, Any] = {
        "id": entry_id,
        "result": parsed.text,
        "input_token_count": prompt_tokens,
        "output_token_count": length,
        "latency": 0.0,
    }
    if parsed.reasoning:
        row["reasoning_content"] = parsed.reasoning
    return row


def roc_points(pos: list[float], neg: list[float]) -> list[dict[str, float]]:
    """Share of entries needing a call that still call when a given share of irrelevance entries
    declines (the threshold at that irrelevance entry's score)."""
    neg_sorted = sorted(neg)
    points = []
    for rate in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0):
        k = max(1, math.ceil(rate * len(neg) - 1e-9))
        t = neg_sorted[k - 1]
        declined = sum(m <= t for m in neg) / len(neg)
        points.append(
            {"irrelevance_declined": declined, "relevant_called": sum(m > t for m in pos) / len(pos)}
        )
    return points


def result_folder(path: Path, model: str) -> Path:
    """`path` itself when it is a result folder; in a `toolmind eval bfcl` output folder, the one result
    folder of `model` (`path/results/<model-key>` whose manifest has its fingerprint).

    Raises:
        ValueError: If `path` is neither, or holds no or several result folders of `model`.
    """
    if (path / "manifest.json").is_file() or not (path / "results").is_dir():
        return path
    fingerprint = checkpoint_fingerprint(model)
    found = [
        d
        for d in sorted((path / "results").iterdir())
        if (d / "manifest.json").is_file() and read_manifest(d)["fingerprint"] == fingerprint
    ]
    if len(found) != 1:
        raise ValueError(
            f"{path / 'results'}: {len(found)} result folders of {model} as it is now "
            f"({', '.join(d.name for d in found) or 'none'}); name one with --results"
        )
    return found[0]


def run_decisions(cfg: DecisionsConfig) -> dict[str, Any]:
    """Call scores, AUC, ROC points and the exact operating point; writes OUT/report.json and report.md."""
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    source = result_folder(Path(cfg.results), cfg.model)
    manifest = read_manifest(source)
    if manifest["fingerprint"] != checkpoint_fingerprint(cfg.model):
        raise ValueError(
            f"{source / 'manifest.json'}: its outputs come from {manifest['model']!r} as it was then, "
            f"not from the checkpoint now at {cfg.model!r}"
        )
    settings = manifest["settings"]
    if settings.get("backend") != "transformers":
        raise ValueError(f"{source / 'manifest.json'}: decisions need a transformers result folder")
    thinking, budget = bool(settings["thinking"]), int(settings["max_new_tokens"])
    entries = _entries(source)
    if not any(c in IRRELEVANT for c in entries) or all(c in IRRELEVANT for c in entries):
        raise ValueError(f"{source}: needs outputs of irrelevance and of at least one category that calls")
    rows = {i: r for c in entries for i, r in load_results(result_file(source, c)).items()}
    selection = {c: [e["id"] for e in es] for c, es in entries.items()}
    partial = any(len(ids) < len(load_questions(c)) for c, ids in selection.items())

    gen = TransformersGenerator(
        cfg.model, max_new_tokens=budget, device=cfg.device, dtype=cfg.dtype, batch_size=cfg.batch_size
    )
    # Scores are resumed only for the same checkpoint, outputs and prompt mode.
    identity = {
        "fingerprint": manifest["fingerprint"],
        "results": str(source.resolve()),
        "thinking": thinking,
    }
    marker = out / "decisions_manifest.json"
    if marker.is_file() and json.loads(marker.read_text()) != identity:
        raise ValueError(
            f"{marker}: this folder holds the call scores of another checkpoint or result folder"
        )
    marker.write_text(json.dumps(identity, indent=2, sort_keys=True))
    decisions = measure_scores(gen.backend, entries, thinking, out / "scores.jsonl")
    by_decision = {d.id: d for d in decisions}
    original = score_run(source, out / "original", selection, partial=partial)
    failed = {i for score in original.scores.values() for i in score.failed_ids}
    outcomes: Outcomes = {}
    for d in decisions:  # a stored output answers for each decision it is the policy's answer to
        for call in (True, False):
            if reusable(d, call, rows[d.id]):
                outcomes[(d.id, call)] = d.id not in failed

    # The policy's answers: stored ones where they are its answer, the others generated. An answer that
    # was estimated wrongly (a decline that still calls, a call that does not decode) can leave the
    # irrelevance short of the target: then the threshold is chosen again with the scored outcomes and
    # only the newly needed answers are generated, a few rounds at most.
    run_dir = out / "results" / f"{source.name}-threshold"
    by_id = {e["id"]: e for es in entries.values() for e in es}
    answers_path = out / "answers.jsonl"
    generated = read_answers(answers_path)
    need = math.ceil(cfg.irrelevance_target * sum(not d.relevant for d in decisions) - 1e-9)
    start, rounds = time.perf_counter(), 0
    while rounds < MAX_ROUNDS:
        rounds += 1
        threshold = choose_threshold(decisions, outcomes, cfg.irrelevance_target)
        todo: dict[bool, list[Decision]] = {True: [], False: []}
        for d in decisions:
            call = d.score > threshold
            if not reusable(d, call, rows[d.id]) and (d.id, call) not in generated:
                todo[call].append(d)
        tok = gen.backend.tokenizer
        for call, ds in todo.items():
            # Chunks of a few batches, each appended to answers.jsonl: a killed run keeps what it made.
            step = 4 * cfg.batch_size
            for k in range(0, len(ds), step):
                chunk = ds[k : k + step]
                prompts = [
                    tok(_prompt(by_id[d.id], thinking), add_special_tokens=False)["input_ids"] for d in chunk
                ]
                answers = generate_answers(gen, prompts, call, thinking, cfg.batch_size)
                with answers_path.open("a") as fh:
                    for d, p, (text, length) in zip(chunk, prompts, answers, strict=True):
                        generated[(d.id, call)] = _row(d.id, text, len(p), length)
                        fh.write(json.dumps({"call": call, "row": generated[(d.id, call)]}) + "\n")
            logger.info("generated %d answers that %s", len(ds), "call" if call else "do not call first")
        shutil.rmtree(run_dir, ignore_errors=True)
        run_dir.mkdir(parents=True)
        (run_dir / "manifest.json").write_text(
            json.dumps({**manifest, "call_score_threshold": str(threshold), "source": str(source)}, indent=2)
        )
        used: list[tuple[str, bool]] = []  # the generated answers this threshold takes
        for category, ids in selection.items():
            policy = []
            for i in ids:
                d, call = by_decision[i], by_decision[i].score > threshold
                if reusable(d, call, rows[i]):
                    policy.append(rows[i])
                else:
                    used.append((i, call))
                    policy.append(generated[(i, call)])
            append_results(result_file(run_dir, category), policy)
        operating = score_run(run_dir, out / "operating", selection, partial=partial)
        failed = {i for score in operating.scores.values() for i in score.failed_ids}
        for d in decisions:
            outcomes[(d.id, d.score > threshold)] = d.id not in failed
        reached = sum(operating.scores[c].correct for c in entries if c in IRRELEVANT)
        if reached >= need:
            break
        logger.info("irrelevance %d short of the target %d: choosing the threshold again", reached, need)
    gen_seconds = time.perf_counter() - start

    pos = [d.score for d in decisions if d.relevant]
    neg = [d.score for d in decisions if not d.relevant]
    by_cat = {c: [d.score for d in decisions if d.category == c] for c in entries}
    overall, overall_ci = auc_with_interval(pos, neg)
    report = {
        "model": cfg.model,
        "results": str(source),
        "bfcl_version": bfcl_version(),
        "settings": {**settings, "irrelevance_target": cfg.irrelevance_target, "dtype": cfg.dtype},
        "diagnostic": "the threshold is chosen on the benchmark's own irrelevance entries",
        "entries": {c: len(ids) for c, ids in selection.items()},
        "auc": overall,
        "auc_ci95": overall_ci,
        "auc_by_category": {c: auc(v, neg) for c, v in by_cat.items() if c not in IRRELEVANT},
        "by_request_form": form_figures(
            [
                (d.score, d.relevant, request_form(by_id[d.id]["question"][0][-1]["content"]))
                for d in decisions
            ]
        ),
        "median_score": {c: _median(v) for c, v in by_cat.items()},
        "stored_calls": {c: sum(called(rows[i]) for i in ids) for c, ids in selection.items()},
        "greedy_call_prefix": {c: sum(d.greedy_call for d in decisions if d.category == c) for c in entries},
        "roc": roc_points(pos, neg),
        # JSON has no infinities: a threshold below every score (call everywhere) is written as a string.
        "threshold": threshold if math.isfinite(threshold) else str(threshold),
        "generated": {"call": sum(call for _, call in used), "no_call": sum(not call for _, call in used)},
        "rounds": rounds,
        "generation_seconds": round(gen_seconds, 1),
        "original": _summary(original.scores),
        "operating": _summary(operating.scores),
    }
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "report.md").write_text(markdown(report))
    return report


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def _fmt(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def _threshold(value: float | str) -> str:
    return value if isinstance(value, str) else f"{value:.2f}"


def _cell(s: dict[str, Any] | None) -> str:
    if s is None:
        return "not scored"
    lo, hi = s["ci95"]
    return f"{s['correct']}/{s['total']} = {s['accuracy']:.1%} [{lo:.1%}–{hi:.1%}]"


def _form_line(figures: dict[str, Any] | None) -> str:
    """The AUC within each request form and the form's own pull (reports made before it have none)."""
    if figures is None:
        return "By request form: not measured."
    within = "; ".join(
        f"{form}s {_fmt(figures[form]['auc'])} ({figures[form]['needing_a_call']} needing a call, "
        f"{figures[form]['irrelevant']} irrelevant)"
        for form in ("question", "instruction")
    )
    return (
        f"By request form (toolmind/eval/bfcl/request_form.py): AUC within {within}. Instructions over "
        f"questions among the entries needing a call: **{_fmt(figures['form_auc'])}** (0.5 = the form "
        "does not move the call score)."
    )


def markdown(report: dict[str, Any]) -> str:
    """The report as markdown: ranking, ROC points, and the stored and the policy's scores."""
    target = report["settings"]["irrelevance_target"]
    auc_lo, auc_hi = report["auc_ci95"] or (None, None)
    lines = [
        f"# Call-or-decline decisions: {report['model']} (bfcl-eval {report['bfcl_version']})",
        "",
        f"Stored outputs: `{report['results']}`. **A diagnostic, not a BFCL score**: {report['diagnostic']}.",
        "",
        "AUC of the call score (log-probability of answering with a call at once), entries that need "
        f"a call over irrelevance entries: **{_fmt(report['auc'])}** "
        f"[{_fmt(auc_lo)}–{_fmt(auc_hi)}] (0.5 = chance)"
        + "".join(f"; {c} {_fmt(v)}" for c, v in report["auc_by_category"].items()),
        "",
        _form_line(report.get("by_request_form")),
        "",
        "| category | entries | median call score | stored outputs that call | greedy along the call prefix |",
        "|---|---:|---:|---:|---:|",
    ]
    for c, n in report["entries"].items():
        lines.append(
            f"| {c} | {n} | {_fmt(report['median_score'][c], 2)} | {report['stored_calls'][c]} "
            f"| {report['greedy_call_prefix'][c]} |"
        )
    lines += [
        "",
        "| irrelevance entries declined | entries needing a call still calling |",
        "|---|---|",
    ]
    lines += [f"| {p['irrelevance_declined']:.1%} | {p['relevant_called']:.1%} |" for p in report["roc"]]
    lines += [
        "",
        f"Operating point for irrelevance >= {target:.0%}: call iff the call score > "
        f"{_threshold(report['threshold'])}; {report['generated']['call']} calls and "
        f"{report['generated']['no_call']} answers without a first call generated "
        f"({report['generation_seconds']} s with the scoring, {report['rounds']} round(s)), the rest "
        "stored; both columns scored by the official scorer.",
        "",
        "| category | stored (the model as evaluated) | at the operating point |",
        "|---|---|---|",
    ]
    for c in [*report["entries"], "needing_a_call"]:
        name = "all entries needing a call" if c == "needing_a_call" else c
        lines.append(f"| {name} | {_cell(report['original'].get(c))} | {_cell(report['operating'].get(c))} |")
    return "\n".join(lines) + "\n"
