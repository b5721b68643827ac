"""Can a model write out the string values BFCL expects, once it has chosen the right call?

For every simple_python and multiple entry and every expected string argument, the official prompt
(Qwen FC format, thinking on, as `toolmind eval bfcl` builds it) is followed by the right call up to that
value's opening quote::

    <think>\\n\\n</think>\\n\\n<tool_call>\\n{"name": "soccer.get_last_match", "arguments": {"team_name": "

and the model writes the value greedily, to the closing quote. It is compared as the official checker
compares strings (``standardize_string``: case, spaces and ``,./-_*^`` ignored) against every accepted
answer. The values split in two:

- **copy**: an accepted value occurs in the request as a whole word or phrase ("Liverpool F.C."): the
  model only has to write out what it was given;
- **rewrite**: none does ("CAD" for "Canadian dollars", a date reformatted, a value inferred).

A wrong copy is read as one of: *misspelt* (not in the request, at least 0.6 similar to an accepted
value: "Liverly F.C."), *another span* (a different part of the request: the wrong value), *other*.
This separates the model's choice of function and parameters (not probed here) from its ability to spell
the values it was given, which no data recipe can teach a model that cannot do it.

    .venv/bin/python benchmarks/value_spelling.py --models runs/demo/base_model runs/demo/train
    .venv/bin/python benchmarks/value_spelling.py --models runs/demo/train --limit 40 --show 20

BFCL's data comes from the installed `bfcl-eval` package; nothing of it is written to disk.
"""

from __future__ import annotations

import argparse
import difflib
import re
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from toolmind.eval.bfcl.data import load_answers, load_questions
from toolmind.eval.bfcl.prompt import format_prompt
from toolmind.llm.config import BackendConfig
from toolmind.llm.transformers_backend import TransformersBackend

CATEGORIES = ("simple_python", "multiple")
_STANDARD = re.compile(r"[ \,\.\/\-\_\*\^]")


def standardize(text: str) -> str:
    """The official checker's string comparison key (bfcl_eval ast_checker.standardize_string)."""
    return _STANDARD.sub("", text).lower().replace("'", '"')


@dataclass(frozen=True)
class Probe:
    entry: str
    param: str
    kind: str  # "copy" or "rewrite"
    accepted: tuple[str, ...]
    request: str
    prompt: str


def _in_request(value: str, request: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(value.lower()) + r"(?!\w)", request) is not None


def probes(limit: int | None = None) -> list[Probe]:
    """One probe per expected non-empty string argument of each entry's ground-truth call."""
    out: list[Probe] = []
    for category in CATEGORIES:
        answers = {a["id"]: a["ground_truth"] for a in load_answers(category)}
        for entry in load_questions(category):
            messages = entry["question"][0]
            request = messages[-1]["content"].lower()
            base = format_prompt(messages, entry["function"], thinking=True)
            for call in answers[entry["id"]]:
                ((name, params),) = call.items()
                for param, accepted in params.items():
                    strings = tuple(a for a in accepted if isinstance(a, str) and a)
                    if not strings:
                        continue
                    kind = "copy" if any(_in_request(a, request) for a in strings) else "rewrite"
                    prefix = (
                        f'<think>\n\n</think>\n\n<tool_call>\n{{"name": "{name}", "arguments": {{"{param}": "'
                    )
                    out.append(Probe(entry["id"], param, kind, strings, request, base + prefix))
    return out[:limit]


def judge(probe: Probe, written: str) -> str:
    """ "right", or how a wrong value relates to the request and the accepted values."""
    if standardize(written) in {standardize(a) for a in probe.accepted}:
        return "right"
    if probe.kind == "rewrite":
        return "wrong"
    if written and written.lower() in probe.request:
        return "another span"
    near = max(difflib.SequenceMatcher(None, written.lower(), a.lower()).ratio() for a in probe.accepted)
    return "misspelt" if near >= 0.6 else "other"


def run(model: str, items: list[Probe], batch_size: int, show: int) -> dict[str, Any]:
    backend = TransformersBackend.from_config(
        BackendConfig(kind="transformers", model=model, device="cpu", dtype="float32", batch_size=batch_size)
    )
    start = time.perf_counter()
    texts = backend.generate_texts([p.prompt for p in items], 24)
    seconds = time.perf_counter() - start
    outcome: Counter[tuple[str, str]] = Counter()
    entries: dict[str, bool] = {}
    wrong: list[tuple[str, str, str, str, str]] = []
    for probe, text in zip(items, texts, strict=True):
        written = text.split('"', 1)[0]
        verdict = judge(probe, written)
        outcome[(probe.kind, verdict)] += 1
        if probe.kind == "copy":
            entries[probe.entry] = entries.get(probe.entry, True) and verdict == "right"
        if verdict != "right":
            wrong.append((verdict, probe.entry, probe.param, written, probe.accepted[0]))
    print(f"\n{model}  ({len(items)} values, {seconds:.0f} s)")
    for kind in ("copy", "rewrite"):
        total = sum(n for (k, _), n in outcome.items() if k == kind)
        right = outcome[(kind, "right")]
        misses = ", ".join(f"{v} {n}" for (k, v), n in sorted(outcome.items()) if k == kind and v != "right")
        if total:
            print(f"  {kind:8s} {right}/{total} = {100 * right / total:.1f}% right   ({misses})")
    whole = sum(entries.values())
    if entries:
        print(f"  entries whose every copied value is right: {whole}/{len(entries)}")
    for verdict in ("misspelt", "another span", "other", "wrong"):
        for row in sorted(r for r in wrong if r[0] == verdict)[:show]:
            print("   ", row)
    return {"model": model, "outcome": outcome, "entries_right": whole, "entries": len(entries)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", required=True, help="checkpoint directories (Qwen3 format)")
    ap.add_argument("--limit", type=int, default=None, help="first N values only (a quick look)")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--show", type=int, default=0, help="print this many wrong values of each kind per model")
    args = ap.parse_args()
    items = probes(args.limit)
    counts = Counter(p.kind for p in items)
    print(f"{len(items)} expected string values of {len({p.entry for p in items})} entries: {dict(counts)}")
    for model in args.models:
        run(model, items, args.batch_size, args.show)


if __name__ == "__main__":
    main()
