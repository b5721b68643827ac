"""How far does the demo's training recipe take a model whose data is BFCL's own *live* categories?

A ceiling for synthesized data, never a result. The demo's goal (60% on simple_python + multiple, 80%
irrelevance) has resisted every data recipe tried on SmolLM2-135M; this asks whether the model could
reach it at all in the demo's budget given data as close to the benchmark as exists without being the
benchmark: BFCL-v4's user-contributed live categories (live_simple, live_multiple: real people's
requests and real APIs; live_irrelevance: requests no offered function fits), scored on the
non-live categories the goal names.

- Calls are the official possible answers' first acceptable values (as `--model oracle` writes them;
  ``""`` marks an omittable parameter, left out); irrelevance rows get one fixed refusal.
- `--irrelevant-share` of the rows are refusals (0.3, BFCL's own share); with `--mix by_tools` (the
  default) they offer as many tools as the calls do, stratum by stratum, since live_irrelevance offers
  one tool far more often than the live calls do (`--mix natural`: each kind as it comes).
- Tools keep BFCL's docs with its Python type names mapped back to JSON Schema (dict -> object, float ->
  number, tuple -> array, any -> string), so training renders them as it renders synthesized tools
  (the demo recipe's 70% bare with Python types, 30% OpenAI-wrapped).
- **Left out**: every live entry that shares a word 8-gram (or a whole short prompt) or a function name
  with a non-live single-turn category (toolmind's decontamination index), so no test prompt or test
  function is trained on.
- Training is the demo's recipe (`recipes/SmolLM2-135M/sft/config_demo.yaml`), only the data and the
  steps change: the default 190 single-turn examples are about the tokens of the demo's 150
  conversations. Then the official harness on the whole simple_python, multiple and irrelevance
  categories (thinking on, 128 new tokens, as the demo) and `toolmind eval decisions` (the call/decline
  judgement, and simple + multiple at 80% irrelevance).

`--source heldout` asks the same of the benchmark itself: the rows are the scored categories' own
entries outside a seeded sample (`--heldout` per category, the sample `toolmind eval bfcl --sample N
--seed S` draws), and only that sample is scored. Same function style, same request style, some
functions shared (multiple reuses its functions across entries): an in-distribution, optimistic bound
that no result may ever be, and the strongest test of whether the goal is within the model's reach.

    .venv/bin/python benchmarks/bfcl_ceiling.py --out runs/ceiling --steps 190
    .venv/bin/python benchmarks/bfcl_ceiling.py --out runs/ceiling-600 --steps 600 --mix natural
    .venv/bin/python benchmarks/bfcl_ceiling.py --out runs/held-540 --source heldout --steps 540 --irrelevant-share 0.26

`--against RESULTS` (heldout only) puts another model on the same sample, say the demo's: its stored
whole-category outputs (`toolmind eval bfcl`'s OUT/results/<key>) are cut to the sample, its decisions
run, and the two are paired entry by entry (right only in each, McNemar z).

Each phase (data, train, eval, decisions) is skipped when its output exists, so a killed run resumes.
The rows are written only under `--out` (a run directory, never committed); they come from the
installed `bfcl-eval` package.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolmind.data.decontam import BenchmarkText, NgramIndex, find_hits
from toolmind.data.tokenize import rename_types
from toolmind.eval.bfcl.data import load_answers, load_questions, sample_ids
from toolmind.eval.bfcl.oracle import single_turn_call
from toolmind.eval.bfcl.score import COUNTED_WRONG
from toolmind.schema import Trajectory

LIVE = ("live_simple", "live_multiple", "live_irrelevance")
#: The single-turn categories a ceiling is scored on or could be: nothing of them may be trained on.
NON_LIVE: tuple[str, ...] = ("simple_python", "multiple", "parallel", "parallel_multiple", "irrelevance")
NON_LIVE += ("simple_java", "simple_javascript")
SCORED = ("simple_python", "multiple", "irrelevance")
REFUSAL = "None of my available tools can help with that request."
_JSON_TYPES = {"dict": "object", "float": "number", "tuple": "array", "any": "string"}
DEMO_CONFIG = "recipes/SmolLM2-135M/sft/config_demo.yaml"


def json_schema(schema: Any) -> Any:
    """A copy of a BFCL function doc with its Python type names spelled as JSON Schema's."""
    return rename_types(schema, _JSON_TYPES)


def benchmark_index(categories: tuple[str, ...] = NON_LIVE) -> NgramIndex:
    """Decontamination index (8-grams, whole prompts of 4+ words, function names) over `categories`."""
    bench = BenchmarkText("bfcl_v4:" + ",".join(categories))
    for category in categories:
        for entry in load_questions(category):
            for message in entry["question"][0]:
                if message["role"] == "user" and message.get("content"):
                    bench.prompts.append((entry["id"], str(message["content"])))
            for doc in entry["function"]:
                bench.tools.setdefault(doc["name"], entry["id"])
    return NgramIndex([bench], n=8, min_words=4)


def bfcl_row(entry: dict[str, Any], truth: list[dict[str, Any]] | None, category: str) -> dict[str, Any]:
    """One SFT row: the entry's first turn, then its official call(s) or the refusal."""
    messages: list[dict[str, Any]] = [
        {"role": m["role"], "content": m["content"]} for m in entry["question"][0]
    ]
    if truth is None:
        messages.append({"role": "assistant", "content": REFUSAL})
    else:
        docs = {d["name"]: d for d in entry["function"]}
        calls = [
            single_turn_call(name, params, category, docs) for call in truth for name, params in call.items()
        ]
        tool_calls = [
            {
                "id": f"call_{i}",
                "type": "function",
                "function": {"name": c["name"], "arguments": json.dumps(c["arguments"], ensure_ascii=False)},
            }
            for i, c in enumerate(calls, 1)
        ]
        messages.append({"role": "assistant", "content": "", "tool_calls": tool_calls})
    tools = [{"type": "function", "function": json_schema(doc)} for doc in entry["function"]]
    return {"id": f"bfcl-{entry['id']}", "tools": tools, "messages": messages, "meta": {"source": category}}


@dataclass
class Rows:
    relevant: list[dict[str, Any]] = field(default_factory=list)
    irrelevant: list[dict[str, Any]] = field(default_factory=list)
    left_out: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> why it is left out


def rows_of(categories: tuple[str, ...], leave_out: Callable[[Trajectory], dict[str, Any] | None]) -> Rows:
    """Every entry of `categories` as a validated row, minus those `leave_out` gives a reason for.

    Raises:
        ValueError: A row does not validate (names the entry).
    """
    rows = Rows()
    for category in categories:
        irrelevance = category.endswith("irrelevance")
        answers = {} if irrelevance else {a["id"]: a["ground_truth"] for a in load_answers(category)}
        for entry in load_questions(category):
            row = bfcl_row(entry, None if irrelevance else answers[entry["id"]], category)
            try:
                trajectory = Trajectory.model_validate(row)
            except ValueError as exc:
                raise ValueError(f"{category} entry {entry['id']}: not a valid row ({exc})") from exc
            why = leave_out(trajectory)
            if why:
                rows.left_out[row["id"]] = why
            else:
                (rows.irrelevant if irrelevance else rows.relevant).append(row)
    return rows


def live_rows(index: NgramIndex, categories: tuple[str, ...] = LIVE) -> Rows:
    """The live entries minus those that touch the index (their decontamination hits in `left_out`)."""
    return rows_of(categories, lambda t: find_hits([t], index).get(t.id))


def held_out(n: int, seed: int, categories: tuple[str, ...] = SCORED) -> dict[str, list[str]]:
    """The entries `toolmind eval bfcl --sample n --seed seed` scores, per category."""
    return {category: sample_ids(category, n, seed) for category in categories}


def heldout_rows(held: dict[str, list[str]]) -> Rows:
    """The scored categories' entries outside `held` (in-distribution: same functions' style, same
    prompts' style, near-duplicate entries included, so an optimistic bound)."""
    ids = {f"bfcl-{i}" for entries in held.values() for i in entries}
    return rows_of(tuple(held), lambda t: {"held_out": True} if t.id in ids else None)


def tool_count(row: dict[str, Any]) -> int:
    """How many tools a row offers, 4 standing for 4 or more (the strata of `choose`)."""
    return min(len(row["tools"]), 4)


def choose(
    rows: Rows, n: int, irrelevant_share: float, seed: int, mix: str = "by_tools"
) -> list[dict[str, Any]]:
    """`n` rows, `irrelevant_share` of them refusals, in a seeded order.

    With `mix="by_tools"` the refusals offer as many tools as the calls do, stratum by stratum (1, 2,
    3, 4+ tools): live_irrelevance offers one tool in 508 of its 884 entries and live_simple + live_multiple
    in 258 of 1311, so a natural mix teaches "one tool: refuse", and every simple_python entry offers one.
    `mix="natural"` samples each kind as it comes.

    Raises:
        ValueError: Fewer rows of a kind (or a stratum) than asked for.
    """
    n_irrelevant = round(n * irrelevant_share)
    n_relevant = n - n_irrelevant
    if n_relevant > len(rows.relevant) or n_irrelevant > len(rows.irrelevant):
        raise ValueError(
            f"asked for {n_relevant} calls and {n_irrelevant} refusals; there are {len(rows.relevant)} "
            f"and {len(rows.irrelevant)} ({len(rows.left_out)} entries left out: decontaminated or held out)"
        )
    rng = random.Random(seed)
    relevant = rng.sample(rows.relevant, n_relevant)
    if mix == "natural":
        irrelevant = rng.sample(rows.irrelevant, n_irrelevant)
    elif mix == "by_tools":
        calls = Counter(tool_count(r) for r in relevant)
        # largest remainder: the strata's quotas add up to n_irrelevant exactly
        exact = {k: n_irrelevant * c / n_relevant for k, c in calls.items()}
        quota = {k: int(q) for k, q in exact.items()}
        for k in sorted(exact, key=lambda k: (quota[k] - exact[k], k))[: n_irrelevant - sum(quota.values())]:
            quota[k] += 1
        irrelevant = []
        for k in sorted(quota):
            pool = [r for r in rows.irrelevant if tool_count(r) == k]
            if quota[k] > len(pool):
                raise ValueError(f"{quota[k]} refusals offering {k} tools asked for; {len(pool)} there are")
            irrelevant += rng.sample(pool, quota[k])
    else:
        raise ValueError(f"mix must be 'by_tools' or 'natural', not {mix!r}")
    chosen = relevant + irrelevant
    rng.shuffle(chosen)
    return chosen


def _run(log: Path, module: str, *args: str) -> None:
    """`python -m module args`, its output to `log`; exits on failure."""
    argv = [sys.executable, "-m", module, *args]
    print(f"$ {' '.join(argv)}  (log: {log})", flush=True)
    with open(log, "w", encoding="utf-8") as fh:
        done = subprocess.run(argv, stdout=fh, stderr=subprocess.STDOUT, check=False)
    if done.returncode:
        sys.exit(f"failed with exit code {done.returncode}: see {log}")


def cut_results(results: Path, ids: set[str], out: Path) -> Path:
    """A copy of a `toolmind eval bfcl` result folder with only the entries `ids`, under `out` (its
    manifest copied as it is, so `toolmind eval decisions` takes it for the same model's outputs).

    Raises:
        ValueError: An entry of `ids` has no stored output in `results`.
    """
    cut = out / results.name
    found: set[str] = set()
    for path in sorted(results.rglob("*")):
        if not path.is_file():
            continue
        target = cut / path.relative_to(results)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.name.endswith("_result.json"):
            kept = []
            for line in path.read_text(encoding="utf-8").splitlines():
                if (entry_id := json.loads(line)["id"]) in ids:
                    kept.append(line)
                    found.add(entry_id)
            target.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
        else:
            target.write_bytes(path.read_bytes())
    if found != ids:
        missing = sorted(ids - found)
        raise ValueError(f"{results}: no stored output for {len(missing)} scored entries, e.g. {missing[:3]}")
    return cut


def right_ids(score_dir: Path, ids: set[str]) -> set[str]:
    """The entries of `ids` counted right in a scoring pass's folder (`score_run`'s `out`).

    Its `score/counted_wrong.json` holds the ids toolmind counted wrong, outputs rejected as unsafe
    included; folders scored before that file existed fall back to the official `*_score.json` files
    (a summary line, then one line per failed entry), which miss those rejections.
    """
    counted = score_dir / "score" / COUNTED_WRONG
    failed: set[str] = set()
    if counted.is_file():
        for category_ids in json.loads(counted.read_text(encoding="utf-8")).values():
            failed |= set(category_ids)
        return ids - failed
    for path in score_dir.rglob("*_score.json"):
        failed |= {json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()[1:]}
    return ids - failed


def paired(a: set[str], b: set[str]) -> tuple[int, int, float]:
    """Entries right only in a, only in b, and the paired (McNemar) z of the difference."""
    only_a, only_b = len(a - b), len(b - a)
    return only_a, only_b, (only_a - only_b) / math.sqrt(only_a + only_b) if only_a + only_b else 0.0


def _pct(block: dict[str, Any]) -> str:
    low, high = block["ci95"]
    return f"{block['correct']}/{block['total']} = {100 * block['accuracy']:.1f}% [{100 * low:.1f}-{100 * high:.1f}]"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="run directory (data, train, eval, decisions)")
    ap.add_argument("--steps", type=int, default=190, help="training steps = examples (batch 1, one epoch)")
    ap.add_argument("--irrelevant-share", type=float, default=0.3, help="share of refusal rows")
    ap.add_argument(
        "--seed", type=int, default=0, help="which rows, and their order (heldout: and the scored sample)"
    )
    ap.add_argument(
        "--mix",
        choices=("by_tools", "natural"),
        help="refusals' tool counts (see `choose`; default by_tools for live, natural for heldout)",
    )
    ap.add_argument(
        "--source",
        choices=("live", "heldout"),
        default="live",
        help="live: the live categories, decontaminated; heldout: the scored categories' entries outside "
        "the --heldout sample, which alone is scored (a diagnostic trained on the benchmark)",
    )
    ap.add_argument("--heldout", type=int, default=100, help="heldout: entries scored per category")
    ap.add_argument(
        "--against",
        type=Path,
        help="heldout: another model's `toolmind eval bfcl` result folder (OUT/results/<key>, the scored "
        "categories whole, e.g. the demo's): cut to the sample, its decisions run, the two paired",
    )
    ap.add_argument(
        "--base-model", default="runs/demo/base_model", help="`toolmind train convert-smollm2` output"
    )
    ap.add_argument("--train-config", default=DEMO_CONFIG)
    ap.add_argument("--batch-size", type=int, default=16, help="generation batch")
    args = ap.parse_args()
    if not Path(args.base_model, "config.json").is_file():
        sys.exit(
            f"{args.base_model}: no checkpoint (make one: toolmind train convert-smollm2 --out {args.base_model})"
        )
    out: Path = args.out
    heldout = args.source == "heldout"
    args.mix = args.mix or ("natural" if heldout else "by_tools")
    if args.against and not heldout:
        sys.exit("--against compares on the held-out sample: it needs --source heldout")
    if args.against and not (args.against / "manifest.json").is_file():
        sys.exit(
            f"--against {args.against}: no manifest.json (give `toolmind eval bfcl`'s OUT/results/<key>)"
        )
    settings = {k: str(v) for k, v in vars(args).items() if k not in ("out", "batch_size", "against")}
    if not heldout:
        del settings["heldout"]  # not a setting of a live run
    recorded = out / "ceiling.json"
    if recorded.is_file():
        before = json.loads(recorded.read_text(encoding="utf-8"))
        before.setdefault("source", "live")  # recorded before --source existed
        changed = {k: (before.get(k), v) for k, v in settings.items() if before.get(k) != v}
        if changed:  # the phases are skipped by their outputs: another setting would be silently ignored
            sys.exit(
                f"{recorded}: {out} was made with other settings {changed} (was, now); use another --out"
            )
    else:
        out.mkdir(parents=True, exist_ok=True)
        recorded.write_text(json.dumps(settings, indent=1), encoding="utf-8")
    data = out / "data" / "train.jsonl"
    if not data.is_file():
        held = held_out(args.heldout, args.seed) if heldout else {}
        rows = heldout_rows(held) if heldout else live_rows(benchmark_index())
        chosen = choose(rows, args.steps, args.irrelevant_share, args.seed, args.mix)
        data.parent.mkdir(parents=True, exist_ok=True)
        tmp = data.with_suffix(".part")
        tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chosen), encoding="utf-8")
        tmp.replace(data)
        (out / "left_out.json").write_text(json.dumps(rows.left_out, indent=1), encoding="utf-8")
        why = (
            f"held out: the --sample {args.heldout} --seed {args.seed} that alone is scored"
            if heldout
            else f"they share an 8-gram or a function name with {', '.join(NON_LIVE)}"
        )
        print(
            f"{len(rows.relevant)} calls and {len(rows.irrelevant)} refusals from "
            f"{', '.join(held or LIVE)}; {len(rows.left_out)} entries left out ({why}: "
            f"{out / 'left_out.json'}); {len(chosen)} rows -> {data}"
        )
    train, evaluation, decisions = out / "train", out / "eval", out / "decisions"
    steps = str(args.steps)
    if not (train / "config.json").is_file():
        train_args = ["--config", args.train_config, "--model_name_or_path", args.base_model]
        train_args += ["--dataset_path", str(data.parent), "--max_steps", steps, "--output_dir", str(train)]
        _run(out / "train.log", "toolmind.train.sft", *train_args, "--save_steps", str(10 * args.steps))
    if not (evaluation / "report.json").is_file():
        eval_args = ["--model", str(train), "--out", str(evaluation), "--categories", ",".join(SCORED)]
        eval_args += ["--backend", "transformers", "--thinking", "--max-new-tokens", "128"]
        if heldout:
            eval_args += ["--sample", str(args.heldout), "--seed", str(args.seed)]
        _run(
            out / "eval.log", "toolmind.cli", "eval", "bfcl", *eval_args, "--batch-size", str(args.batch_size)
        )
    if not (decisions / "report.json").is_file():
        results = json.loads((evaluation / "report.json").read_text(encoding="utf-8"))["result_dir"]
        decision_args = ["--model", str(train), "--results", results, "--out", str(decisions)]
        _run(out / "decisions.log", "toolmind.cli", "eval", "decisions", *decision_args)
    source = (
        f"the scored categories' entries outside the {args.heldout} per category scored here"
        if heldout
        else "BFCL's live categories"
    )
    print(f"\n{train}: trained on {args.steps} rows of {source} (a ceiling, not a result)")
    _summary(decisions)
    if args.against:
        _against(args.against, out / "against", decisions, held_out(args.heldout, args.seed))


def _summary(decisions: Path) -> None:
    report = json.loads((decisions / "report.json").read_text(encoding="utf-8"))
    for name in ("original", "operating"):
        block = report[name]
        label = (
            "as trained"
            if name == "original"
            else f"at {report['settings']['irrelevance_target']:.0%} irrelevance"
        )
        print(
            f"  {label:22s} simple + multiple {_pct(block['needing_a_call'])}   irrelevance {_pct(block['irrelevance'])}"
        )
    low, high = report["auc_ci95"]
    print(f"  call/decline AUC {report['auc']:.3f} [{low:.3f}-{high:.3f}]")


def _against(results: Path, out: Path, decisions: Path, held: dict[str, list[str]]) -> None:
    """The other model on the same sample: its stored outputs cut to it, its decisions, the pairing."""
    manifest = json.loads((results / "manifest.json").read_text(encoding="utf-8"))
    model = manifest.get("fingerprint", {}).get("path") or manifest.get("model")
    ids = {i for entries in held.values() for i in entries}
    theirs = out / "decisions"
    recorded = out / "against.json"
    if recorded.is_file():  # its decisions are skipped by their output: other outputs would be ignored
        before = json.loads(recorded.read_text(encoding="utf-8"))["results"]
        if before != str(results.resolve()):
            sys.exit(
                f"{recorded}: {out} holds the decisions of {before}; remove it to compare with {results}"
            )
    else:
        out.mkdir(parents=True, exist_ok=True)
        recorded.write_text(json.dumps({"results": str(results.resolve())}), encoding="utf-8")
    if not (theirs / "report.json").is_file():
        try:
            cut = cut_results(results, ids, out / "results")
        except ValueError as exc:
            sys.exit(f"--against: {exc}")
        _run(
            out / "decisions.log",
            "toolmind.cli",
            "eval",
            "decisions",
            "--model",
            str(model),
            "--results",
            str(cut),
            "--out",
            str(theirs),
        )
    print(f"\n{model} (outputs from {results}) on the same sample:")
    _summary(theirs)
    calls = {i for i in ids if not i.startswith("irrelevance")}
    for name, label in (("original", "as trained"), ("operating", "at the operating point")):
        only_ours, only_theirs, z = paired(
            right_ids(decisions / name, calls), right_ids(theirs / name, calls)
        )
        print(
            f"  {label:22s} simple + multiple right only in the ceiling's model {only_ours}, "
            f"only in this one {only_theirs}: z {z:+.2f}"
        )


if __name__ == "__main__":
    main()
