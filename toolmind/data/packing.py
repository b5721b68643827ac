"""How much compute padding wastes, and how packing would lay samples out.

Tool-use samples vary a lot in length (a one-call answer next to a 20-turn chain), so padded batches can
spend a large share of their tokens on padding. TRL trains padding-free (`padding_free: true`: a batch is
one concatenated row with `position_ids` restarting per sample) or packed (`packing: true`,
`packing_strategy: bfd`: samples placed into rows of `max_length` by best-fit decreasing). This module
measures the waste before a run (`sft.py` logs it) and in `benchmarks/tokenize_throughput.py`; the
packing itself is TRL's. Samples are never split: toolmind skips overlong samples instead of cutting them.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PaddingReport:
    """Tokens a batching scheme computes on, against the real tokens of the samples."""

    real_tokens: int
    computed_tokens: int
    rows: int

    @property
    def waste(self) -> float:
        """Share of computed tokens that are padding (0 = none)."""
        return 1.0 - self.real_tokens / self.computed_tokens if self.computed_tokens else 0.0


def padded_batches(lengths: Sequence[int], batch_size: int, *, seed: int = 0) -> PaddingReport:
    """Padding cost of shuffled batches of `batch_size`, each padded to its longest sample.

    Args:
        lengths: sample lengths in tokens.
        batch_size: samples per batch (per device).
        seed: shuffle seed (the trainer's sampler shuffles too).
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    order = list(lengths)
    random.Random(seed).shuffle(order)
    computed = 0
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        computed += max(batch) * len(batch)
    return PaddingReport(real_tokens=sum(order), computed_tokens=computed, rows=-(-len(order) // batch_size))


def bfd_bins(lengths: Sequence[int], capacity: int) -> list[list[int]]:
    """Best-fit decreasing: indices of `lengths` grouped into bins of at most `capacity` tokens.

    Raises:
        ValueError: a sample is longer than `capacity` (toolmind never splits a sample).
    """
    too_long = [i for i, n in enumerate(lengths) if n > capacity]
    if too_long:
        raise ValueError(
            f"{len(too_long)} sample(s) longer than the bin capacity {capacity}, e.g. #{too_long[0]}"
        )
    bins: list[list[int]] = []
    # (free space, bin index) kept sorted: the best fit is the first bin whose free space suffices.
    free: list[tuple[int, int]] = []
    for index in sorted(range(len(lengths)), key=lambda i: -lengths[i]):
        size = lengths[index]
        slot = bisect.bisect_left(free, (size, -1))
        if slot == len(free):
            bins.append([index])
            bisect.insort(free, (capacity - size, len(bins) - 1))
        else:
            space, bin_index = free.pop(slot)
            bins[bin_index].append(index)
            bisect.insort(free, (space - size, bin_index))
    return bins


def packed_rows(lengths: Sequence[int], capacity: int) -> PaddingReport:
    """Padding cost of BFD packing into rows of `capacity` tokens, each row padded to `capacity`."""
    bins = bfd_bins(lengths, capacity)
    return PaddingReport(real_tokens=sum(lengths), computed_tokens=len(bins) * capacity, rows=len(bins))


def padding_free(lengths: Sequence[int], batch_size: int) -> PaddingReport:
    """Padding-free batches: samples concatenated into one row per batch; nothing is padding."""
    return PaddingReport(
        real_tokens=sum(lengths), computed_tokens=sum(lengths), rows=-(-len(lengths) // batch_size)
    )
