"""Similarity search between output and input parameter embeddings: exact blockwise, or clustered (IVF).

Both yield chunks of `(output row, input row, cosine)` for every pair at or above the threshold, never
materialising the full outputs x inputs matrix.

- `exact_chunks`: a block of output rows times all inputs, one BLAS matmul per block. Cost grows with
  outputs x inputs (quadratic in the pool size); fine up to a few thousand tools.
- `ivf_chunks`: spherical k-means splits the inputs into clusters of about `cluster_size`; each output
  is compared only with the inputs of its `n_probe` nearest clusters. Cost grows about linearly with the
  pool (plus a small outputs x clusters term), at the price of missing pairs whose input sits in a
  cluster the output did not probe; `benchmarks/graph_scale.py` reports that recall against exact search.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

Chunk = tuple[np.ndarray, np.ndarray, np.ndarray, int]  # rows, cols, sims, outputs (or clusters) done


def select(sim: np.ndarray, rows: np.ndarray, cols: np.ndarray, threshold: float, keep: int) -> Chunk:
    """Pairs of the dense block `sim` (rows x cols) at or above `threshold`, at most `keep` per row
    (the most similar). Rows with few hits go through `nonzero`; only crowded rows pay for a partition."""
    hit = sim >= threshold
    counts = hit.sum(axis=1)
    crowded = counts > keep
    if not crowded.any():
        r, c = np.nonzero(hit)
        return rows[r], cols[c], sim[r, c], 0
    light = np.flatnonzero(~crowded)
    r, c = np.nonzero(hit[light])
    r_l, c_l, s_l = rows[light[r]], cols[c], sim[light[r], c]
    heavy = np.flatnonzero(crowded)
    sub = sim[heavy]
    # A stable sort, not argpartition: among equal similarities (identical texts tie exactly) it keeps the
    # lower column, whatever numpy build or CPU; argpartition's pick among ties is the implementation's.
    idx = np.argsort(-sub, axis=1, kind="stable")[:, :keep]
    vals = np.take_along_axis(sub, idx, axis=1)
    ok = vals >= threshold
    r_h = np.repeat(rows[heavy], keep).reshape(len(heavy), keep)[ok]
    return (
        np.concatenate([r_l, r_h]),
        np.concatenate([c_l, cols[idx[ok]]]),
        np.concatenate([s_l, vals[ok]]),
        0,
    )


def _by_type(
    out_code: np.ndarray, in_mask: np.ndarray, type_check: bool
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(output rows, compatible input rows) per output type code; one group of everything if no check."""
    if not type_check:
        return [(np.arange(len(out_code)), np.arange(len(in_mask)))]
    groups = []
    for code in np.unique(out_code).tolist():
        outs = np.flatnonzero(out_code == code)
        ins = np.flatnonzero((in_mask >> code) & 1)
        if len(outs) and len(ins):
            groups.append((outs, ins))
    return groups


def exact_chunks(
    out_emb: np.ndarray,
    in_emb: np.ndarray,
    out_code: np.ndarray,
    in_mask: np.ndarray,
    threshold: float,
    keep: int,
    block_size: int,
    type_check: bool = True,
) -> Iterator[Chunk]:
    """Blockwise exact search; the last element of each chunk counts the output rows it covered."""
    for outs, ins in _by_type(out_code, in_mask, type_check):
        in_t = np.ascontiguousarray(in_emb[ins].T)
        for start in range(0, len(outs), block_size):
            rows = outs[start : start + block_size]
            r, c, s, _ = select(out_emb[rows] @ in_t, rows, ins, threshold, keep)
            yield r, c, s, len(rows)


def _assign(x: np.ndarray, centroids: np.ndarray, block: int = 8192) -> np.ndarray:
    out = np.empty(x.shape[0], dtype=np.int64)
    for s in range(0, x.shape[0], block):
        out[s : s + block] = np.argmax(x[s : s + block] @ centroids.T, axis=1)
    return out


def spherical_kmeans(x: np.ndarray, k: int, iters: int = 10, seed: int = 0) -> np.ndarray:
    """k unit-norm centroids of the unit-norm rows of `x` (trained on a sample of at most 64 rows per k)."""
    rng = np.random.default_rng(seed)
    sample = x[rng.choice(x.shape[0], size=min(x.shape[0], 64 * k), replace=False)]
    centroids = sample[rng.choice(sample.shape[0], size=k, replace=False)].copy()
    for _ in range(iters):
        labels = _assign(sample, centroids)
        sums = np.zeros_like(centroids)
        np.add.at(sums, labels, sample)
        counts = np.bincount(labels, minlength=k)
        empty = counts == 0
        sums[empty] = sample[rng.choice(sample.shape[0], size=int(empty.sum()))]
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        centroids = sums / norms  # the embeddings' precision, as the exact search
    return centroids


def ivf_chunks(
    out_emb: np.ndarray,
    in_emb: np.ndarray,
    out_code: np.ndarray,
    in_mask: np.ndarray,
    threshold: float,
    keep: int,
    cluster_size: int,
    n_probe: int,
    type_check: bool = True,
    seed: int = 0,
) -> Iterator[Chunk]:
    """Pairs above `threshold` among each output's `n_probe` nearest input clusters (one chunk per
    cluster; the last element is 1, the cluster done)."""
    k = n_clusters(in_emb.shape[0], cluster_size)
    centroids = spherical_kmeans(in_emb, k, seed=seed)
    in_label = _assign(in_emb, centroids)
    probe = min(n_probe, k)
    probes = np.empty((out_emb.shape[0], probe), dtype=np.int64)
    for s in range(0, out_emb.shape[0], 8192):
        scores = out_emb[s : s + 8192] @ centroids.T
        probes[s : s + 8192] = np.argpartition(-scores, probe - 1, axis=1)[:, :probe]
    # Inverted lists: inputs per cluster, and outputs probing each cluster.
    in_order = np.argsort(in_label, kind="stable")
    in_bounds = np.searchsorted(in_label[in_order], np.arange(k + 1))
    out_rows = np.repeat(np.arange(out_emb.shape[0]), probe)
    out_clusters = probes.ravel()
    out_order = np.argsort(out_clusters, kind="stable")
    out_bounds = np.searchsorted(out_clusters[out_order], np.arange(k + 1))
    empty = np.zeros(0, np.int64)
    for cluster in range(k):
        ins = in_order[in_bounds[cluster] : in_bounds[cluster + 1]]
        outs = out_rows[out_order[out_bounds[cluster] : out_bounds[cluster + 1]]]
        parts = (
            [
                select(out_emb[outs[o]] @ in_emb[ins[i]].T, outs[o], ins[i], threshold, keep)
                for o, i in _by_type(out_code[outs], in_mask[ins], type_check)
            ]
            if len(ins) and len(outs)
            else []
        )
        if not parts:
            yield empty, empty, np.zeros(0, np.float64), 1
            continue
        yield (
            np.concatenate([p[0] for p in parts]),
            np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]),
            1,
        )


def n_clusters(n_inputs: int, cluster_size: int) -> int:
    return max(1, min(n_inputs, round(n_inputs / cluster_size)))
