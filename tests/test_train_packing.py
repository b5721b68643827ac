"""Padding and packing arithmetic (`toolmind.data.packing`) and TRL's BFD packing on toolmind samples."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from toolmind.data.packing import bfd_bins, packed_rows, padded_batches, padding_free


def test_padded_batches_count_padding() -> None:
    report = padded_batches([10, 10, 10, 2], batch_size=4)
    assert report.real_tokens == 32 and report.computed_tokens == 40 and report.rows == 1
    assert report.waste == pytest.approx(0.2)
    assert padded_batches([5, 5, 5], batch_size=1).waste == 0.0
    with pytest.raises(ValueError, match="batch_size"):
        padded_batches([1], batch_size=0)


def test_bfd_bins_are_valid_and_tight() -> None:
    rng = random.Random(0)
    lengths = [rng.randint(50, 900) for _ in range(300)]
    bins = bfd_bins(lengths, capacity=1024)
    placed = sorted(i for b in bins for i in b)
    assert placed == list(range(len(lengths)))  # every sample exactly once, none split
    assert all(sum(lengths[i] for i in b) <= 1024 for b in bins)
    lower_bound = -(-sum(lengths) // 1024)
    assert len(bins) <= lower_bound * 1.1  # BFD is within a few % of the optimum on such inputs
    report = packed_rows(lengths, 1024)
    assert report.rows == len(bins) and report.waste < 0.1
    assert padding_free(lengths, 8).waste == 0.0


def test_bfd_never_splits_a_sample() -> None:
    with pytest.raises(ValueError, match="longer than the bin capacity"):
        bfd_bins([10, 2000], capacity=1024)


def test_trl_bfd_packing_trains_on_pretokenized_samples(tiny_qwen3_dir: Path, tmp_path: Path) -> None:
    from test_tokenize import self_correction

    from toolmind.schema import write_jsonl
    from toolmind.train.sft import main, parse_args

    write_jsonl(tmp_path / "data" / "train.jsonl", [self_correction(f"k{i}") for i in range(4)])
    recipe = Path(__file__).resolve().parents[1] / "recipes/tiny/sft/config_tiny.yaml"
    summary = main(
        *parse_args(
            [
                "--config",
                str(recipe),
                "--model_name_or_path",
                str(tiny_qwen3_dir),
                "--dataset_path",
                str(tmp_path / "data"),
                "--output_dir",
                str(tmp_path / "out"),
                "--packing",
                "true",
                "--packing_strategy",
                "bfd",
                "--max_length",
                "1024",
                "--max_steps",
                "2",
                "--save_strategy",
                "no",
            ]
        )
    )
    # 12 samples of ~250-340 tokens packed into rows of <= 1024 tokens: ~4 rows, so 2 steps of 2 rows are
    # about one epoch (unpacked they would be 1/3 of one).
    assert summary["data"]["samples"] == 12
    assert summary["metrics"]["epoch"] >= 0.6
    losses = [e["loss"] for e in summary["log_history"] if "loss" in e]
    assert len(losses) == 2 and all(loss > 0 for loss in losses)
