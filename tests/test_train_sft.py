"""`toolmind.train.sft` in process on the tiny random Qwen3: trains, checkpoints, resumes, reloads, generates."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import torch

from toolmind.chat import chat_template
from toolmind.data.tokenize import IGNORE_INDEX, TokenizeConfig
from toolmind.schema import Message, Trajectory, write_jsonl

ROOT = Path(__file__).resolve().parents[1]
TINY = str(ROOT / "recipes/tiny/sft/config_tiny.yaml")
TINY_LORA = str(ROOT / "recipes/tiny/sft/config_tiny_lora.yaml")
CITIES = ("Paris", "Tokyo", "Lima", "Oslo", "Rome", "Cairo", "Quito", "Perth", "Bern", "Kyiv", "Riga", "Doha")


def _self_correction(record_id: str, city: str) -> Trajectory:
    from test_tokenize import self_correction

    return self_correction(record_id, city)


@pytest.fixture(scope="module")
def train_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`train.jsonl` (12 self-correction conversations) + `validation.jsonl`, the `toolmind data build` layout."""
    out = tmp_path_factory.mktemp("train_data")
    write_jsonl(out / "train.jsonl", [_self_correction(f"t{i}", c) for i, c in enumerate(CITIES)])
    write_jsonl(out / "validation.jsonl", [_self_correction("v0", "Accra")])
    return out


def run_sft(argv: list[str]) -> dict[str, Any]:
    from toolmind.train.sft import main, parse_args

    return main(*parse_args(argv))


def losses(summary: dict[str, Any]) -> list[float]:
    return [entry["loss"] for entry in summary["log_history"] if "loss" in entry]


def state(path: Path) -> dict[str, torch.Tensor]:
    from transformers import AutoModelForCausalLM

    return {k: v.clone() for k, v in AutoModelForCausalLM.from_pretrained(path).state_dict().items()}


def test_sft_trains_checkpoints_resumes_and_generates(
    tiny_qwen3_dir: Path, train_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    common = ["--config", TINY, "--model_name_or_path", str(tiny_qwen3_dir), "--dataset_path", str(train_dir)]
    summary = run_sft([*common, "--output_dir", str(out), "--max_steps", "6", "--save_steps", "3"])

    # Data: only train.jsonl was read (12 conversations, 3 trainable turns each, per_turn).
    assert summary["data"]["conversations"] == 12 and summary["train_samples"] == 36
    # Loss logged at every step and falling.
    logged = losses(summary)
    assert len(logged) == 6
    assert sum(logged[-2:]) / 2 < sum(logged[:2]) / 2
    # Every parameter tensor moved.
    before, after = state(tiny_qwen3_dir), state(out)
    assert all(not torch.equal(before[k], after[k]) for k in before)
    # Checkpoints and the final model carry the tokenizer with toolmind's chat template.
    for path in (out / "checkpoint-3", out / "checkpoint-6", out):
        assert (path / "tokenizer.json").is_file()
        assert (path / "chat_template.jinja").read_text(encoding="utf-8") == chat_template()
    manifest = json.loads((out / "toolmind_train.json").read_text())
    assert manifest["data"]["label_tokens"] > 0 and manifest["script_args"]["mask_mode"] == "per_turn"
    # The machine that trained it: the same recipe trains another model where the bf16 kernels differ.
    assert (
        manifest["environment"]["device"] == "cpu"
        and manifest["environment"]["packages"]["torch"] == torch.__version__
    )

    # The saved model reloads and generates through the local backend, stopping at <|im_end|>.
    from toolmind.llm.base import ChatRequest
    from toolmind.llm.transformers_backend import TransformersBackend

    backend = TransformersBackend(out, max_new_tokens=8)
    assert backend.tokenizer.eos_token == "<|im_end|>"
    completion = asyncio.run(
        backend.complete(ChatRequest(messages=[Message(role="user", content="Weather in Oslo?")]))
    )
    assert completion.backend == "transformers"
    assert completion.usage.completion_tokens > 0 and completion.raw_text

    # Restarting with a larger budget resumes from the last checkpoint instead of starting over.
    resumed = run_sft([*common, "--output_dir", str(out), "--max_steps", "8", "--save_steps", "3"])
    assert resumed["resumed_from"] == str(out / "checkpoint-6")
    assert [e["step"] for e in resumed["log_history"] if "loss" in e] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert resumed["metrics"]["epoch"] > summary["metrics"]["epoch"]


def test_lora_multi_turn_trains_an_adapter(tiny_qwen3_dir: Path, train_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "lora"
    argv = [
        "--config",
        TINY_LORA,
        "--model_name_or_path",
        str(tiny_qwen3_dir),
        "--dataset_path",
        str(train_dir),
    ]
    summary = run_sft([*argv, "--output_dir", str(out)])
    assert summary["train_samples"] == 12  # multi_turn: one sample per conversation
    logged = losses(summary)
    assert logged[-1] < logged[0]
    adapter = json.loads((out / "adapter_config.json").read_text())
    assert adapter["r"] == 8 and (out / "adapter_model.safetensors").is_file()
    assert (out / "chat_template.jinja").is_file()
    # The merged copy is a plain checkpoint: full weights whose MLPs moved, tokenizer and template.
    merged = Path(summary["merged_dir"])
    assert merged == out / "merged" and (merged / "chat_template.jinja").is_file()
    base, tuned = state(tiny_qwen3_dir), state(merged)
    assert set(base) == set(tuned)
    assert not torch.equal(
        base["model.layers.0.mlp.up_proj.weight"], tuned["model.layers.0.mlp.up_proj.weight"]
    )
    assert torch.equal(base["model.norm.weight"], tuned["model.norm.weight"])  # not a LoRA target


def test_padding_free_batch_has_the_same_loss_as_padded(tiny_qwen3_dir: Path, tiny_tokenizer: Any) -> None:
    """Padding-free batches (one row, position_ids restarting per sample) compute the same loss."""
    from transformers import AutoModelForCausalLM
    from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

    from toolmind.data.tokenize import tokenize_trajectories

    trajs = [_self_correction(f"p{i}", c) for i, c in enumerate(CITIES[:3])]
    samples, _ = tokenize_trajectories(trajs, tiny_tokenizer, TokenizeConfig(mask_mode="per_turn"))
    examples = [{"input_ids": s.input_ids, "labels": s.labels} for s in samples[:4]]
    assert len({len(e["input_ids"]) for e in examples}) > 1  # lengths differ: padding happens
    model = AutoModelForCausalLM.from_pretrained(tiny_qwen3_dir, attn_implementation="sdpa").eval()
    pad = tiny_tokenizer.pad_token_id
    padded = DataCollatorForLanguageModeling(pad_token_id=pad)(examples)
    flat = DataCollatorForLanguageModeling(pad_token_id=pad, padding_free=True)(examples)
    assert flat["input_ids"].shape[0] == 1 and "attention_mask" not in flat
    # TRL's compute_loss passes use_cache=False; with a cache transformers skips packed-sequence masks.
    with torch.no_grad():
        loss_padded = model(**padded, use_cache=False).loss
        loss_flat = model(**flat, use_cache=False).loss
    assert torch.allclose(loss_padded, loss_flat, atol=1e-5), (loss_padded, loss_flat)
    # Sanity: the same row without position_ids (samples attending to each other) gives another loss.
    with torch.no_grad():
        leaky = model(input_ids=flat["input_ids"], labels=flat["labels"], use_cache=False).loss
    assert not torch.allclose(loss_padded, leaky, atol=1e-4)


def test_saved_dataset_and_pretokenized_inputs(tiny_tokenizer: Any, train_dir: Path, tmp_path: Path) -> None:
    """`save_to_disk` datasets (JSON-string columns, or input_ids + labels) load like the JSONL."""
    from datasets import Dataset, DatasetDict

    from toolmind.train.dataset import build_sft_dataset

    config = TokenizeConfig(mask_mode="multi_turn")
    from_jsonl, _ = build_sft_dataset([str(train_dir)], tiny_tokenizer, config)
    trajs = [_self_correction(f"t{i}", c) for i, c in enumerate(CITIES)]
    rows = [
        {
            "id": t.id,
            "messages": [m.model_dump() for m in t.messages],
            "tools": json.dumps([tool.model_dump(exclude_none=True) for tool in t.tools]),
            "labels": [label.model_dump() for label in t.labels],
            "meta": json.dumps(t.meta),
        }
        for t in trajs
    ]
    DatasetDict({"train": Dataset.from_list(rows)}).save_to_disk(tmp_path / "hf")
    from_disk, _ = build_sft_dataset([str(tmp_path / "hf")], tiny_tokenizer, config)
    assert from_disk["input_ids"] == from_jsonl["input_ids"]
    assert from_disk["labels"] == from_jsonl["labels"]

    tokenized = Dataset.from_dict(
        {
            "input_ids": [*from_jsonl["input_ids"][:2], [1, 2, 3]],
            "labels": [*from_jsonl["labels"][:2], [IGNORE_INDEX] * 3],
        }
    )
    tokenized.save_to_disk(tmp_path / "tok")
    pre, report = build_sft_dataset([str(tmp_path / "tok")], tiny_tokenizer, config)
    assert pre["input_ids"] == from_jsonl["input_ids"][:2]  # kept bit for bit; the all -100 row dropped
    assert report.pretokenized_rows == 2 and report.stats.skipped_no_trainable == 1


def test_bad_lines_are_reported_and_skipped(tiny_tokenizer: Any, train_dir: Path, tmp_path: Path) -> None:
    from toolmind.train.dataset import build_sft_dataset

    lines = (train_dir / "train.jsonl").read_text().splitlines()[:2]
    lines.insert(1, '{"id": "broken", "messages": [{"role": "wizard"}]}')
    lines.insert(2, "{not json")
    (tmp_path / "data.jsonl").write_text("\n".join(lines) + "\n")
    dataset, report = build_sft_dataset([str(tmp_path / "data.jsonl")], tiny_tokenizer, TokenizeConfig())
    assert len(dataset) == 6 and report.stats.conversations == 2
    assert report.bad_records >= 2
    assert any("data.jsonl:2" in e and "role" in e for e in report.bad_examples)
    assert any("data.jsonl:3" in e and "invalid JSON" in e for e in report.bad_examples)
    with pytest.raises(ValueError, match="no trainable samples"):
        build_sft_dataset([str(tmp_path / "data.jsonl")], tiny_tokenizer, TokenizeConfig(max_length=10))


def test_id_hash_order_is_the_same_in_every_subset(tiny_tokenizer: Any, tmp_path: Path) -> None:
    """`order="id_hash"`: dropping trajectories (the trajectory filter) leaves the others' order alone."""
    from toolmind.train.dataset import build_sft_dataset

    trajs = [_self_correction(f"t{i}", c) for i, c in enumerate(CITIES)]
    write_jsonl(tmp_path / "all.jsonl", trajs)
    kept = [t for i, t in enumerate(trajs) if i % 4 != 1]
    write_jsonl(tmp_path / "kept.jsonl", kept)
    config = TokenizeConfig(mask_mode="per_turn", seed=3)

    def order(name: str, how: str, seed: int = 3) -> list[tuple[int, ...]]:
        config.seed = seed
        dataset, _ = build_sft_dataset([str(tmp_path / name)], tiny_tokenizer, config, order=how)
        return [tuple(ids) for ids in dataset["input_ids"]]

    full, subset = order("all.jsonl", "id_hash"), order("kept.jsonl", "id_hash")
    assert len(full) == 36 and len(subset) == 27
    assert [ids for ids in full if ids in set(subset)] == subset
    # A real reordering, not the file order, and the seed changes it.
    assert full != order("all.jsonl", "shuffle") and sorted(full) == sorted(order("all.jsonl", "shuffle"))
    assert full != order("all.jsonl", "id_hash", seed=4)
    with pytest.raises(ValueError, match="order must be one of"):
        order("all.jsonl", "random")


def test_masking_result_replies_keeps_the_id_hash_order(tiny_tokenizer: Any, tmp_path: Path) -> None:
    """A paired comparison: `result_replies="mask"` trains the same conversations in the same order."""
    from toolmind.train.dataset import build_sft_dataset

    write_jsonl(tmp_path / "all.jsonl", [_self_correction(f"t{i}", c) for i, c in enumerate(CITIES)])

    def cities(replies: str) -> list[str]:
        config = TokenizeConfig(mask_mode="multi_turn", seed=3, result_replies=replies)
        dataset, _ = build_sft_dataset([str(tmp_path / "all.jsonl")], tiny_tokenizer, config, order="id_hash")
        texts = [tiny_tokenizer.decode(ids) for ids in dataset["input_ids"]]
        return [next(c for c in CITIES if f"Weather in {c}?" in text) for text in texts]

    trained = cities("train")
    assert trained == cities("mask") and trained != CITIES


def test_interleave_strata_keeps_every_prefix_at_the_shares() -> None:
    from toolmind.train.dataset import interleave_strata

    assert interleave_strata([1, 1, 1, 0, 0, 0, 0, 0, 0]) == [3, 0, 4, 5, 1, 6, 7, 2, 8]
    assert interleave_strata([]) == [] and interleave_strata(["a", "a"]) == [0, 1]
    assert interleave_strata([(1, 0), (0, 1), (1, 0), (0, 1)]) == [0, 1, 2, 3]  # ties: the earlier first


def test_balanced_order_spreads_the_no_call_turns(tiny_tokenizer: Any, tmp_path: Path) -> None:
    """`order="balanced"`: id_hash within strata, each prefix with the data's share of no-call turns."""
    from toolmind.train.dataset import build_sft_dataset

    declines = [
        Trajectory(
            id=f"d{i}",
            tools=_self_correction("x", "Paris").tools,
            messages=[
                Message(role="user", content=f"Tell me a joke about {city}."),
                Message(role="assistant", content="No tool of mine tells jokes."),
            ],
        )
        for i, city in enumerate(CITIES[:4])
    ]
    write_jsonl(
        tmp_path / "data.jsonl", [_self_correction(f"t{i}", c) for i, c in enumerate(CITIES)] + declines
    )
    config = TokenizeConfig(mask_mode="per_turn", seed=3)

    def order(how: str) -> list[tuple[tuple[int, ...], str]]:
        """(input ids, what the labelled turn is: no_call / call / report) per sample, in order."""
        dataset, _ = build_sft_dataset([str(tmp_path / "data.jsonl")], tiny_tokenizer, config, order=how)
        out = []
        for ids, labels in zip(dataset["input_ids"], dataset["labels"], strict=True):
            text = tiny_tokenizer.decode([t for t in labels if t != IGNORE_INDEX])
            kind = "call" if "<tool_call>" in text else "report" if "°C" in text else "no_call"
            out.append((tuple(ids), kind))
        return out

    hashed, balanced = order("id_hash"), order("balanced")
    assert sorted(balanced) == sorted(hashed) and len(balanced) == 40
    # per_turn: three samples per self-correction (the last, "You're welcome.", answers a user without a
    # call) and one per decline: 16 of the 40 samples are no-call turns.
    flags = [kind == "no_call" for _, kind in balanced]
    assert sum(flags) == 16
    assert all(abs(sum(flags[:k]) - 16 * k / 40) <= 1 for k in range(1, 41))
    hashed_flags = [kind == "no_call" for _, kind in hashed]  # the draw the balanced order corrects
    assert max(abs(sum(hashed_flags[:k]) - 16 * k / 40) for k in range(1, 41)) > 1
    assert all(abs(sum(kind == "call" for _, kind in balanced[:k]) - 12 * k / 40) <= 1 for k in range(1, 41))
    for stratum in ("no_call", "call", "report"):  # the id_hash order inside each stratum
        assert [s for s in balanced if s[1] == stratum] == [s for s in hashed if s[1] == stratum]


def test_id_hash_order_refuses_another_sampling_strategy(train_dir: Path, tmp_path: Path) -> None:
    argv = ["--config", TINY, "--dataset_path", str(train_dir), "--output_dir", str(tmp_path / "o")]
    with pytest.raises(ValueError, match="id_hash' fixes the order"):
        run_sft([*argv, "--sample_order", "id_hash", "--train_sampling_strategy", "group_by_length"])


@pytest.mark.parametrize("padding_free", [False, True])
def test_labelled_head_loss_and_gradients_equal_trl(
    tiny_qwen3_dir: Path, tiny_tokenizer: Any, tmp_path: Path, padding_free: bool
) -> None:
    """`LabelledHeadSFTTrainer` (LM head on labelled positions only) gives TRL's loss and gradients."""
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer
    from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

    from toolmind.data.tokenize import tokenize_trajectories
    from toolmind.train.trainer import LabelledHeadSFTTrainer

    trajs = [_self_correction(f"g{i}", c) for i, c in enumerate(CITIES[:3])]
    samples, _ = tokenize_trajectories(trajs, tiny_tokenizer, TokenizeConfig(mask_mode="multi_turn"))
    examples = [{"input_ids": s.input_ids, "labels": s.labels} for s in samples]
    pad = tiny_tokenizer.pad_token_id
    batch = DataCollatorForLanguageModeling(pad_token_id=pad, padding_free=padding_free)(examples)
    labelled = int((batch["labels"][:, 1:] != IGNORE_INDEX).sum())
    assert 0 < labelled < batch["input_ids"].numel() // 2  # most positions carry no label

    results = []
    for trainer_class in (SFTTrainer, LabelledHeadSFTTrainer):
        args = SFTConfig(
            output_dir=str(tmp_path / trainer_class.__name__),
            use_cpu=True,
            bf16=False,
            report_to="none",
            activation_checkpointing=False,
            padding_free=padding_free,
            max_length=None,
        )
        trainer = trainer_class(
            model=str(tiny_qwen3_dir),
            args=args,
            train_dataset=Dataset.from_list(examples),
            processing_class=tiny_tokenizer,
        )
        model = trainer.model
        model.train()
        loss = trainer.compute_loss(model, dict(batch), num_items_in_batch=torch.tensor(labelled))
        loss.backward()
        grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
        results.append((loss.detach(), grads, trainer._metrics["train"]["mean_token_accuracy"][-1]))
    (trl_loss, trl_grads, trl_acc), (our_loss, our_grads, our_acc) = results
    assert torch.allclose(trl_loss, our_loss, atol=1e-5), (trl_loss, our_loss)
    assert set(trl_grads) == set(our_grads)
    for name, grad in trl_grads.items():
        assert torch.allclose(grad, our_grads[name], atol=1e-6, rtol=1e-4), name
    assert our_acc == pytest.approx(trl_acc)


def test_labelled_head_targets_are_next_tokens() -> None:
    from toolmind.train.trainer import next_token_targets

    labels = torch.tensor([[IGNORE_INDEX, IGNORE_INDEX, 7, 8, IGNORE_INDEX, 9], [IGNORE_INDEX] * 5 + [4]])
    keep, targets = next_token_targets(labels)
    assert keep.tolist() == [[False, True, True, False, True, False], [False] * 4 + [True, False]]
    assert targets.tolist() == [7, 8, 9, 4]


def test_train_top_layers_freezes_the_rest(tiny_qwen3_dir: Path, train_dir: Path, tmp_path: Path) -> None:
    """`train_top_layers 1` on the 2-layer tiny Qwen3: layer 0 never moves, layer 1 and the LM head do."""
    out = tmp_path / "top"
    argv = ["--config", TINY, "--model_name_or_path", str(tiny_qwen3_dir), "--dataset_path", str(train_dir)]
    summary = run_sft([*argv, "--output_dir", str(out), "--max_steps", "3", "--train_top_layers", "1"])
    assert losses(summary)
    before, after = state(tiny_qwen3_dir), state(out)
    layer0 = [k for k in before if k.startswith("model.layers.0.")]
    layer1 = [k for k in before if k.startswith("model.layers.1.") and k.endswith("proj.weight")]
    assert layer0 and all(torch.equal(before[k], after[k]) for k in layer0)
    assert layer1 and all(not torch.equal(before[k], after[k]) for k in layer1)
    head = "lm_head.weight" if "lm_head.weight" in before else "model.embed_tokens.weight"
    assert not torch.equal(before[head], after[head])
    with pytest.raises(ValueError, match="train_top_layers must be in"):
        run_sft([*argv, "--output_dir", str(tmp_path / "bad"), "--max_steps", "1", "--train_top_layers", "3"])


def test_decision_weight_weighs_the_token_that_decides_each_trained_turn(
    tiny_qwen3_dir: Path, tiny_tokenizer: Any, tmp_path: Path
) -> None:
    """The deciding tokens are `<tool_call>` of a call turn and the first word of an answer (after the last
    turn's empty think block); the masked turn has none. Weight w adds (w - 1) x their loss, nothing else."""
    from datasets import Dataset
    from trl import SFTConfig
    from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

    from toolmind.data.tokenize import tokenize_trajectories
    from toolmind.train.trainer import LabelledHeadSFTTrainer, decision_mask, next_token_targets

    samples, _ = tokenize_trajectories(
        [_self_correction("d0", "Lima")],
        tiny_tokenizer,
        TokenizeConfig(mask_mode="multi_turn", reasoning="drop"),
    )
    examples = [{"input_ids": s.input_ids, "labels": s.labels} for s in samples]
    batch = DataCollatorForLanguageModeling(pad_token_id=tiny_tokenizer.pad_token_id)(examples)

    losses_by_weight = {}
    for weight in (1.0, 4.0):
        args = SFTConfig(output_dir=str(tmp_path / str(weight)), use_cpu=True, bf16=False, report_to="none")
        trainer = LabelledHeadSFTTrainer(
            model=str(tiny_qwen3_dir),
            args=args,
            train_dataset=Dataset.from_list(examples),
            processing_class=tiny_tokenizer,
            decision_weight=weight,
        )
        think, blank = trainer._decision_tokens()
        mask = decision_mask(batch["input_ids"], batch["labels"], think, blank)
        deciding = [tiny_tokenizer.decode([int(i)]) for i in batch["input_ids"][mask]]
        # the masked first call has none; the answers' first tokens are their first word or its start
        assert len(deciding) == 3 and deciding[0] == "<tool_call>", deciding
        assert "It is 5".startswith(deciding[1]) and "You're welcome.".startswith(deciding[2]), deciding
        model = trainer.model
        with torch.no_grad():
            losses_by_weight[weight] = trainer.compute_loss(model, dict(batch), num_items_in_batch=None)
            keep, targets = next_token_targets(batch["labels"])
            logits = model(input_ids=batch["input_ids"]).logits[:, :-1][keep[:, :-1]]
            nll = torch.nn.functional.cross_entropy(logits, targets, reduction="none")
            at_decision = nll[mask[:, 1:][keep[:, :-1]]].sum() / targets.numel()
    assert torch.allclose(losses_by_weight[4.0] - losses_by_weight[1.0], 3 * at_decision, atol=1e-5)


def test_decision_weight_needs_the_labelled_head() -> None:
    from toolmind.train.config import ScriptArguments

    with pytest.raises(ValueError, match="needs labelled_head"):
        ScriptArguments(dataset_path=["x"], labelled_head=False, decision_weight=2.0)


def test_weight_average_is_the_normalised_ema_and_survives_a_resume(tmp_path: Path) -> None:
    """Decay 0.5 over three steps: weights 1/7, 2/7, 4/7 of steps 1-3; frozen parameters are left alone;
    saved at step 2 and resumed, the average ends where the uninterrupted one does."""
    from types import SimpleNamespace

    from toolmind.train.averaging import STATE_FILE, WeightAverage

    def model() -> torch.nn.Module:
        net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 1))
        net[0].requires_grad_(False)
        return net

    steps = [torch.full((1, 2), float(v)) for v in (1.0, 2.0, 4.0)]
    net = model()
    frozen = net[0].weight.clone()
    average = WeightAverage(net, 0.5)
    assert set(average.params) == {"1.weight", "1.bias"}
    for weights in steps:
        net[1].weight.data.copy_(weights)
        average.on_step_end(None, None, None)
    average.apply()
    expected = (1.0 * 1 + 2.0 * 2 + 4.0 * 4) / 7
    assert torch.allclose(net[1].weight, torch.full((1, 2), expected))
    assert torch.equal(net[0].weight, frozen)

    resumed_net = model()
    first = WeightAverage(resumed_net, 0.5)
    for weights in steps[:2]:
        resumed_net[1].weight.data.copy_(weights)
        first.on_step_end(None, None, None)
    run = SimpleNamespace(output_dir=str(tmp_path))
    first.on_save(run, SimpleNamespace(global_step=2, is_world_process_zero=True), None)
    assert (tmp_path / "checkpoint-2" / STATE_FILE).is_file()
    second = WeightAverage(resumed_net, 0.5, resume_from=str(tmp_path / "checkpoint-2"))
    assert second.steps == 2
    resumed_net[1].weight.data.copy_(steps[2])
    second.on_step_end(None, None, None)
    second.apply()
    assert torch.allclose(resumed_net[1].weight, net[1].weight)
    with pytest.raises(ValueError, match=r"saved with weight_average 0\.5"):
        WeightAverage(model(), 0.9, resume_from=str(tmp_path / "checkpoint-2"))
    with pytest.raises(ValueError, match="must be in"):
        WeightAverage(model(), 1.0)


def test_sft_saves_the_weight_average(tiny_qwen3_dir: Path, train_dir: Path, tmp_path: Path) -> None:
    """`weight_average 0.5`: the saved model is the bias-corrected average kept with the last checkpoint,
    not the last step's weights; the frozen layer is untouched."""
    from toolmind.train.averaging import STATE_FILE

    out = tmp_path / "avg"
    argv = ["--config", TINY, "--model_name_or_path", str(tiny_qwen3_dir), "--dataset_path", str(train_dir)]
    extra = ["--train_top_layers", "1", "--weight_average", "0.5", "--save_steps", "2"]
    run_sft([*argv, *extra, "--output_dir", str(out), "--max_steps", "4"])
    saved = torch.load(out / "checkpoint-4" / STATE_FILE, weights_only=True)
    assert saved["steps"] == 4 and saved["decay"] == 0.5
    before, last, final = state(tiny_qwen3_dir), state(out / "checkpoint-4"), state(out)
    for name, tensor in saved["average"].items():
        assert torch.allclose(final[name], tensor / (1 - 0.5**4), atol=1e-6), name
        assert not torch.equal(final[name], last[name]), name
    assert not any(name.startswith("model.layers.0.") for name in saved["average"])
    assert all(torch.equal(before[k], final[k]) for k in before if k.startswith("model.layers.0."))

    # Killed after step 2 and rerun: the average resumes from checkpoint-2 and ends where it would have.
    again = tmp_path / "avg-resumed"
    run_sft([*argv, *extra, "--output_dir", str(again), "--max_steps", "2"])
    resumed = run_sft([*argv, *extra, "--output_dir", str(again), "--max_steps", "4"])
    assert resumed["resumed_from"] == str(again / "checkpoint-2")
    resumed_final = state(again)
    assert all(torch.allclose(resumed_final[k], final[k], atol=1e-5) for k in saved["average"])
