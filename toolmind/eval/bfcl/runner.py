"""`evaluate(BFCLConfig)`: generate what is missing, score with the official scorer, write the report."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from toolmind.eval.bfcl.data import (
    MEMORY_CATEGORIES,
    MULTI_TURN_CATEGORIES,
    WEB_SEARCH_CATEGORIES,
    bfcl_version,
    load_questions,
    resolve_categories,
    sample_ids,
)
from toolmind.eval.bfcl.generators import Generator, GenRequest
from toolmind.eval.bfcl.prompt import format_prompt, parse_response, prepare_entry
from toolmind.eval.bfcl.results import (
    append_results,
    load_results,
    open_run_dir,
    read_manifest,
    result_file,
    sort_result_file,
)

logger = logging.getLogger(__name__)

BACKENDS = ("transformers", "litellm", "vllm")


@dataclass
class BFCLConfig:
    """One BFCL-v4 evaluation (the fields of `toolmind eval bfcl` and of `evals/bfcl_v4/*.yaml`)."""

    model: str = field(
        metadata={"help": "checkpoint dir, HF id, litellm model name, or 'oracle' (official answers)"}
    )
    out: str = field(metadata={"help": "output folder: results/, score/, report.json/.md/.png"})
    categories: str = field(
        default="all", metadata={"help": "comma-separated categories or collections ('all', 'live', ...)"}
    )
    backend: str = field(default="transformers", metadata={"help": "transformers | litellm | vllm"})
    api_base: str | None = field(default=None, metadata={"help": "litellm: OpenAI-compatible base URL"})
    thinking: bool = field(
        default=True, metadata={"help": "Qwen3 thinking on (official prompt) or off (empty think block)"}
    )
    max_new_tokens: int = field(
        default=4096, metadata={"help": "completion budget per step (official cap: 4096)"}
    )
    batch_size: int = field(default=8, metadata={"help": "prompts (or conversations) per generation call"})
    sample: int | None = field(
        default=None, metadata={"help": "score a seeded sample of N entries per category"}
    )
    seed: int = field(default=0, metadata={"help": "seed of --sample (same ids for every model)"})
    web_search: bool = field(
        default=False, metadata={"help": "run web search (needs network and SERPAPI_API_KEY)"}
    )
    vector_memory: bool = field(
        default=False,
        metadata={"help": "run memory_vector (needs sentence-transformers + faiss-cpu in .venv-bfcl)"},
    )
    device: str = field(default="cpu", metadata={"help": "transformers: torch device"})
    dtype: str = field(default="float32", metadata={"help": "transformers: torch dtype"})
    generate_only: bool = field(
        default=False,
        metadata={
            "help": "generate the missing outputs and stop: no scoring, no report (a machine without the "
            "scorer environment, e.g. an offline GPU box; score the folder elsewhere with `results`)"
        },
    )
    results: str | None = field(
        default=None,
        metadata={
            "help": "score this result folder (OUT/results/<model-key>, e.g. generated on a GPU machine) "
            "without generating: model and generation settings come from its manifest.json"
        },
    )

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"BFCLConfig.backend: {self.backend!r} is not one of {', '.join(BACKENDS)}")
        if self.sample is not None and self.sample < 1:
            raise ValueError(f"BFCLConfig.sample must be >= 1, got {self.sample}")
        if self.batch_size < 1 or self.max_new_tokens < 1:
            raise ValueError("BFCLConfig.batch_size and max_new_tokens must be >= 1")
        if self.generate_only and self.results:
            raise ValueError(
                "BFCLConfig: generate_only and results exclude each other (one generates, one scores)"
            )

    def settings(self) -> dict[str, Any]:
        """The fields that change generated outputs (part of the result-dir key)."""
        if self.model == "oracle":
            return {"backend": "oracle"}
        return {
            "backend": self.backend,
            "api_base": self.api_base,
            "thinking": self.thinking,
            "max_new_tokens": self.max_new_tokens,
        }


def make_generator(cfg: BFCLConfig) -> Generator:
    """Build the generator `cfg.backend` names (explicit table; heavy imports stay lazy)."""
    from toolmind.eval.bfcl import generators as g

    if cfg.backend == "transformers":
        return g.TransformersGenerator(
            cfg.model,
            max_new_tokens=cfg.max_new_tokens,
            device=cfg.device,
            dtype=cfg.dtype,
            batch_size=cfg.batch_size,
        )
    if cfg.backend == "vllm":
        return g.VLLMGenerator(cfg.model, max_new_tokens=cfg.max_new_tokens)
    return g.LiteLLMGenerator(
        cfg.model, api_base=cfg.api_base, max_new_tokens=cfg.max_new_tokens, thinking=cfg.thinking
    )


def not_run_reason(category: str, cfg: BFCLConfig) -> str | None:
    """Why a category is skipped for this configuration (None: it runs)."""
    if cfg.model == "oracle":
        return None
    if category in WEB_SEARCH_CATEGORIES and not cfg.web_search:
        return "not run (needs network)"
    if category == "memory_vector" and not cfg.vector_memory:
        return "not run (vector memory backend needs sentence-transformers + faiss-cpu in the scorer env)"
    return None


def _single_turn(entries: list[dict[str, Any]], gen: Generator, thinking: bool) -> list[dict[str, Any]]:
    requests = []
    for e in entries:
        messages = e["question"][0]
        requests.append(
            GenRequest(messages, e["function"], format_prompt(messages, e["function"], thinking=thinking))
        )
    start = time.perf_counter()
    outs = gen.generate(requests)
    latency = (time.perf_counter() - start) / max(len(entries), 1)
    rows = []
    for e, out in zip(entries, outs, strict=True):
        parsed = parse_response(out.text)
        row: dict[str, Any] = {
            "id": e["id"],
            "result": parsed.text,
            "input_token_count": out.prompt_tokens,
            "output_token_count": out.completion_tokens,
            "latency": latency,
        }
        if parsed.reasoning:
            row["reasoning_content"] = parsed.reasoning
        rows.append(row)
    return rows


def generate_category(
    category: str, ids: list[str], run_dir: Path, cfg: BFCLConfig, gen_factory: Any, work: Path
) -> int:
    """Generate the missing ids of one category into its result file; returns how many were generated."""
    path = result_file(run_dir, category)
    done = load_results(path)
    todo_ids = [i for i in ids if i not in done]
    if not todo_ids:
        return 0
    if cfg.model == "oracle":
        from toolmind.eval.bfcl.oracle import oracle_results

        append_results(path, oracle_results(category, set(todo_ids)))
        sort_result_file(path)
        return len(todo_ids)
    wanted = set(todo_ids)
    entries = [prepare_entry(e) for e in load_questions(category) if e["id"] in wanted]  # not for agentic
    gen = gen_factory()
    bs = cfg.batch_size
    if category in MEMORY_CATEGORIES or category in WEB_SEARCH_CATEGORIES:
        from toolmind.eval.bfcl.agentic import generate_agentic

        raw = [e for e in load_questions(category) if e["id"] in wanted]
        generate_agentic(category, raw, run_dir, gen, work, thinking=cfg.thinking, batch_size=bs)
    elif category in MULTI_TURN_CATEGORIES:
        from toolmind.eval.bfcl.multiturn import BackendExecutor, run_conversations

        with BackendExecutor(work / "executor") as executor:
            for i in range(0, len(entries), bs):
                append_results(
                    path, run_conversations(entries[i : i + bs], gen, executor, thinking=cfg.thinking)
                )
                logger.info("%s: %d/%d", category, min(i + bs, len(entries)), len(entries))
    else:
        for i in range(0, len(entries), bs):
            append_results(path, _single_turn(entries[i : i + bs], gen, cfg.thinking))
            logger.info("%s: %d/%d", category, min(i + bs, len(entries)), len(entries))
    sort_result_file(path)
    return len(entries)


def evaluate(cfg: BFCLConfig) -> dict[str, Any]:
    """Generate (resuming), score and report; returns the report dict (also written to ``cfg.out``).

    With ``cfg.generate_only`` it stops after generating and returns the run's metadata (no ``categories``);
    with ``cfg.results`` it generates nothing and scores that folder.
    """
    from toolmind.eval.bfcl.report import build_report, write_report
    from toolmind.eval.bfcl.score import score_run

    out = Path(cfg.out)
    categories = resolve_categories(cfg.categories)
    if cfg.results:
        run_dir = Path(cfg.results)
        manifest = read_manifest(run_dir)
        if manifest.get("model") != cfg.model:
            raise ValueError(
                f"{run_dir / 'manifest.json'}: holds the outputs of {manifest.get('model')!r}, "
                f"not of {cfg.model!r}"
            )
    else:
        run_dir = open_run_dir(out, cfg.model, cfg.settings())
        manifest = read_manifest(run_dir)
    generator: list[Generator] = []

    def gen_factory() -> Generator:
        if not generator:
            generator.append(make_generator(cfg))
        return generator[0]

    selection: dict[str, list[str]] = {}
    not_run: dict[str, str] = {}
    gen_seconds, generated = 0.0, 0
    for category in categories:
        ids = sample_ids(category, cfg.sample, cfg.seed)
        if cfg.results:  # scoring only: what was not generated there is reported as not run
            selection[category] = ids
            continue
        reason = not_run_reason(category, cfg)
        if reason:
            not_run[category] = reason
            continue
        start = time.perf_counter()
        generated += generate_category(category, ids, run_dir, cfg, gen_factory, out / ".bfcl")
        gen_seconds += time.perf_counter() - start
        selection[category] = ids
    meta = {
        "model": cfg.model,
        "bfcl_version": bfcl_version(),
        # The settings the outputs were generated with, which --results reads from the folder's manifest.
        "settings": {**asdict(cfg), **manifest["settings"]},
        "checkpoint": manifest["fingerprint"],
        "result_dir": str(run_dir),
        "generated_entries": generated,
        "generation_seconds": round(gen_seconds, 2),
    }
    if cfg.generate_only:
        return {**meta, "generate_only": True, "not_run": not_run}
    scored = score_run(run_dir, out, selection, partial=cfg.sample is not None)
    not_run.update(scored.missing)
    meta["scoring_seconds"] = round(scored.seconds, 2)
    report = build_report(scored, not_run, meta)
    write_report(report, out)
    return report
