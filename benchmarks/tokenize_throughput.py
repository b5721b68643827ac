"""Cost of per-turn loss masks, token budget of per_turn vs multi_turn, padded vs padding-free training.

1. Masking cost: the samples of N generated tool-use conversations (ToolMind shape: 2-4 tools, 4-8
   assistant turns with reasoning, a masked bad call in ~1/3 of them) are rendered once; then the same
   texts are tokenized (a) plainly, `tokenizer(texts)`, and (b) piecewise with labels, as
   `toolmind.data.tokenize.encode_pieces` does for training. Goal: (b) <= 2x (a).
2. Token budget: total tokens of `per_turn` vs `multi_turn` samples on conversations with >= 4 trainable
   turns. Goal: multi_turn <= 1/3 of per_turn.
3. Training throughput of a small random Qwen3 on CPU (SFTTrainer, fp32) on the per_turn samples:
   tokens/s with padded batches vs padding-free batches (real tokens only in both figures).

The real Qwen3 tokenizer is used (built from `qwen-agent`'s qwen.tiktoken); the training part uses the
tiny tokenizer, which matches the small model's vocabulary.

    .venv/bin/python benchmarks/tokenize_throughput.py              # N = 10000
    .venv/bin/python benchmarks/tokenize_throughput.py --n 2000 --train-steps 10
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from toolmind.data.tokenize import TokenizeConfig, encode_pieces, sample_pieces, tokenize_trajectories
from toolmind.schema import FunctionSpec, Message, ToolCall, ToolSpec, Trajectory, TurnLabel

WORDS = ("order", "flight", "hotel", "city", "date", "price", "user", "account", "invoice", "ticket")


def _tool(rng: random.Random, index: int) -> ToolSpec:
    params = {
        f"{rng.choice(WORDS)}_{i}": {"type": rng.choice(["string", "integer"]), "description": "the value"}
        for i in range(rng.randint(1, 4))
    }
    return ToolSpec(
        function=FunctionSpec(
            name=f"{rng.choice(WORDS)}_{rng.choice(WORDS)}_{index}",
            description=" ".join(rng.choices(WORDS, k=rng.randint(6, 16))),
            parameters={"type": "object", "properties": params, "required": list(params)[:1]},
        )
    )


def conversation(rng: random.Random, index: int) -> Trajectory:
    """One ToolMind-shaped conversation: 4-8 assistant turns, tool calls with results, reasoning."""
    tools = [_tool(rng, i) for i in range(rng.randint(2, 4))]
    messages = [Message(role="system", content="You are a helpful travel and shopping assistant.")]
    labels: list[TurnLabel] = []
    call = 0
    for _query in range(rng.randint(1, 2)):
        messages.append(Message(role="user", content=" ".join(rng.choices(WORDS, k=rng.randint(8, 25)))))
        for _step in range(rng.randint(3, 4)):
            tool = rng.choice(tools)
            args = {p: rng.choice(WORDS) for p in tool.function.parameters["properties"]}
            calls = [ToolCall.make(f"c{call}", tool.name, args)]
            call += 1
            reasoning = " ".join(rng.choices(WORDS, k=rng.randint(15, 60)))
            messages.append(
                Message(role="assistant", content="", reasoning_content=reasoning, tool_calls=calls)
            )
            labels.append(TurnLabel(message_index=len(messages) - 1, train=rng.random() > 0.1))
            result = json.dumps({w: rng.randint(0, 10**6) for w in rng.sample(WORDS, 4)})
            messages.append(Message(role="tool", content=result, tool_call_id=calls[0].id))
        answer = " ".join(rng.choices(WORDS, k=rng.randint(10, 40)))
        reasoning = " ".join(rng.choices(WORDS, k=rng.randint(10, 30)))
        messages.append(Message(role="assistant", content=answer, reasoning_content=reasoning))
        labels.append(TurnLabel(message_index=len(messages) - 1))
    return Trajectory(id=f"bench-{index}", tools=tools, messages=messages, labels=labels)


def masking_cost(trajs: list[Trajectory], tokenizer: Any) -> dict[str, float]:
    config = TokenizeConfig(mask_mode="per_turn")
    start = time.perf_counter()
    pieces = [cut.pieces for t in trajs for cut in sample_pieces(t, config)]
    render_s = time.perf_counter() - start
    texts = ["".join(text for text, _ in sample) for sample in pieces]
    batch = 256
    start = time.perf_counter()
    plain_tokens = 0
    for i in range(0, len(texts), batch):
        plain_tokens += sum(
            len(ids) for ids in tokenizer(texts[i : i + batch], add_special_tokens=False)["input_ids"]
        )
    plain_s = time.perf_counter() - start
    start = time.perf_counter()
    masked_tokens = 0
    for i in range(0, len(pieces), batch):
        masked_tokens += sum(len(ids) for ids, _ in encode_pieces(tokenizer, pieces[i : i + batch]))
    masked_s = time.perf_counter() - start
    return {
        "samples": len(texts),
        "tokens_plain": plain_tokens,
        "tokens_masked": masked_tokens,
        "render_s": round(render_s, 2),
        "plain_tokenize_s": round(plain_s, 2),
        "masked_tokenize_s": round(masked_s, 2),
        "masked_over_plain": round(masked_s / plain_s, 2),
        "render_and_masked_over_plain": round((render_s + masked_s) / plain_s, 2),
        "plain_tokens_per_s": round(plain_tokens / plain_s),
    }


def token_budget(trajs: list[Trajectory], tokenizer: Any) -> dict[str, float]:
    long = [t for t in trajs if len(t.trainable_indices()) >= 4]
    per_turn = tokenize_trajectories(long, tokenizer, TokenizeConfig(mask_mode="per_turn"))[1]
    multi = tokenize_trajectories(long, tokenizer, TokenizeConfig(mask_mode="multi_turn"))[1]
    return {
        "conversations": len(long),
        "per_turn_samples": per_turn.samples,
        "per_turn_tokens": per_turn.tokens,
        "multi_turn_tokens": multi.tokens,
        "multi_over_per_turn": round(multi.tokens / per_turn.tokens, 3),
        "per_turn_label_tokens": per_turn.label_tokens,
        "multi_turn_label_tokens": multi.label_tokens,
    }


def train_throughput(
    trajs: list[Trajectory], steps: int, batch: int, hidden: int, layers: int
) -> dict[str, float]:
    """Real tokens per second of SFTTrainer on a random Qwen3 (`hidden` wide, `layers` deep), fp32 CPU."""
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    from toolmind.testing.tiny_qwen3 import build_tiny_qwen3, build_tokenizer

    tokenizer = build_tokenizer()
    samples, _ = tokenize_trajectories(
        trajs, tokenizer, TokenizeConfig(mask_mode="per_turn", max_length=2048)
    )
    rows = [{"input_ids": s.input_ids, "labels": s.labels} for s in samples[: steps * batch]]
    results: dict[str, float] = {"samples": len(rows), "batch": batch, "hidden": hidden, "layers": layers}
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = build_tiny_qwen3(
            Path(tmp) / "model", hidden_size=hidden, num_layers=layers, tokenizer=tokenizer
        )
        for name, padding_free in (("padded", False), ("padding_free", True)):
            args = SFTConfig(
                output_dir=str(Path(tmp) / name),
                max_steps=steps,
                per_device_train_batch_size=batch,
                learning_rate=1e-3,
                logging_steps=steps,
                save_strategy="no",
                report_to="none",
                use_cpu=True,
                bf16=False,
                padding_free=padding_free,
                max_length=None if padding_free else 2048,
                activation_checkpointing=False,
                dataloader_pin_memory=False,
                seed=0,
            )
            trainer = SFTTrainer(
                model=str(model_dir),
                args=args,
                train_dataset=Dataset.from_list(rows),
                processing_class=tokenizer,
            )
            start = time.perf_counter()
            trainer.train()
            elapsed = time.perf_counter() - start
            real = sum(len(r["input_ids"]) for r in rows)
            results[f"{name}_tokens_per_s"] = round(real / elapsed)
            results[f"{name}_s"] = round(elapsed, 1)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="generated conversations")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-steps", type=int, default=20, help="SFT steps per mode (0: skip training)")
    parser.add_argument("--batch", type=int, default=8, help="per-device batch of the training benchmark")
    parser.add_argument("--hidden", type=int, default=256, help="width of the random Qwen3 for training")
    parser.add_argument("--layers", type=int, default=4, help="depth of the random Qwen3 for training")
    args = parser.parse_args()

    from toolmind.testing.qwen_tokenizer import build_qwen_tokenizer

    rng = random.Random(args.seed)
    trajs = [conversation(rng, i) for i in range(args.n)]
    tokenizer = build_qwen_tokenizer()
    report: dict[str, Any] = {"n": args.n, "tokenizer": "Qwen3 (qwen.tiktoken)"}
    report["masking"] = masking_cost(trajs, tokenizer)
    report["budget"] = token_budget(trajs, tokenizer)
    if args.train_steps:
        report["training"] = train_throughput(trajs, args.train_steps, args.batch, args.hidden, args.layers)
    m, b = report["masking"], report["budget"]
    print(f"conversations: {args.n}; per_turn samples: {m['samples']}; tokens: {m['tokens_plain']}")
    print(f"render (per_turn texts):          {m['render_s']} s")
    print(f"plain tokenizer(texts):           {m['plain_tokenize_s']} s ({m['plain_tokens_per_s']} tokens/s)")
    print(
        f"masked (pieces + labels):         {m['masked_tokenize_s']} s -> {m['masked_over_plain']}x plain (goal <= 2x)"
    )
    print(
        f">=4 trainable turns: {b['conversations']} conversations; per_turn {b['per_turn_tokens']} tokens, "
        f"multi_turn {b['multi_turn_tokens']} -> {b['multi_over_per_turn']} (goal <= 1/3)"
    )
    if "training" in report:
        t = report["training"]
        print(
            f"training (random Qwen3 hidden {t['hidden']}, {t['layers']} layers, batch {t['batch']}, fp32 CPU): "
            f"padded {t['padded_tokens_per_s']} tokens/s, padding-free {t['padding_free_tokens_per_s']} tokens/s"
        )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
