"""Configuration of graph building and chain sampling (YAML recipes and CLI flags map onto these)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

# Cosine threshold and margin per embedder, calibrated on the default pool and on a hand-built pool
# with paraphrased parameter descriptions (see docs/graph.md, "Thresholds").
DEFAULT_THRESHOLDS = {"minilm": 0.70, "lexical": 0.45}
DEFAULT_MARGINS = {"minilm": 0.10, "lexical": 0.20}


@dataclass
class GraphConfig:
    """How parameters are embedded and which output->input pairs become edges."""

    embedder: str = field(
        default="minilm",
        metadata={"help": "Parameter embedder: 'minilm' (all-MiniLM-L6-v2, offline) or 'lexical' (fast)."},
    )
    threshold: float | None = field(
        default=None,
        metadata={
            "help": "Minimum cosine similarity of an output/input parameter pair; None = embedder default."
        },
    )
    margin: float | None = field(
        default=None,
        metadata={
            "help": "Keep a pair only if its similarity is within this margin of the best pair of its output "
            "or of its input parameter (the lower of the two); 1.0 = off; None = embedder default."
        },
    )
    top_k: int = field(
        default=24,
        metadata={"help": "Each output parameter links to at most this many input parameters (best first)."},
    )
    max_out_degree: int = field(
        default=0,
        metadata={"help": "Keep at most this many outgoing edges per tool (best first); 0 = no cap."},
    )
    type_check: bool = field(
        default=True,
        metadata={"help": "Only link parameters of compatible JSON types (integer->number etc.)."},
    )
    id_threshold: float = field(
        default=0.9,
        metadata={
            "help": "Identifier guard: a pair where only one side is an id (`*_id`), or both name different "
            "entities (`room_id` vs `hotel_id`), needs at least this similarity; > 1 = such pairs never link."
        },
    )
    nested_outputs: bool = field(
        default=True,
        metadata={"help": "Also use fields nested in returned objects/lists (e.g. flights[].flight_id)."},
    )
    block_size: int = field(
        default=1024,
        metadata={"help": "Output parameters per similarity block (memory ~ block x inputs x 4 B)."},
    )
    search: str = field(
        default="auto",
        metadata={
            "help": "Similarity search: 'exact' (blockwise matmul, quadratic), 'ivf' (clustered, ~linear, "
            "approximate) or 'auto' (exact while outputs x inputs <= exact_max_pairs)."
        },
    )
    exact_max_pairs: int = field(
        default=50_000_000,
        metadata={"help": "'auto' uses exact search up to this many output x input pairs."},
    )
    ivf_cluster_size: int = field(default=256, metadata={"help": "IVF: inputs per k-means cluster (about)."})
    ivf_probe: int = field(default=12, metadata={"help": "IVF: clusters searched per output parameter."})
    lexical_dim: int = field(default=256, metadata={"help": "Dimension of the hashed lexical embedding."})
    batch_size: int = field(default=128, metadata={"help": "MiniLM encoding batch size."})
    device: str = field(
        default="auto",
        metadata={"help": "MiniLM device: 'cpu', 'cuda', 'cuda:1', ... or 'auto' (cuda if available)."},
    )
    cache_dir: str | None = field(
        default=None,
        metadata={
            "help": "Embedding cache folder (by text hash); None = ~/.cache/toolmind/embeddings; '' = off."
        },
    )
    llm_score: bool = field(
        default=False, metadata={"help": "Score every candidate edge 0-9 with an LLM and drop low ones."}
    )
    llm_cutoff: int = field(default=5, metadata={"help": "Edges the LLM scores below this are dropped."})
    llm_concurrency: int = field(default=8, metadata={"help": "Concurrent LLM edge-scoring requests."})

    def resolved_threshold(self) -> float:
        if self.threshold is not None:
            return self.threshold
        if self.embedder not in DEFAULT_THRESHOLDS:
            raise ValueError(
                f"unknown embedder {self.embedder!r}; choose one of {sorted(DEFAULT_THRESHOLDS)}"
            )
        return DEFAULT_THRESHOLDS[self.embedder]

    def resolved_margin(self) -> float:
        if self.margin is not None:
            return self.margin
        return DEFAULT_MARGINS.get(self.embedder, 1.0)


@dataclass
class ChainConfig:
    """How random walks over the graph become chains."""

    min_length: int = field(default=5, metadata={"help": "Shortest chain (tool calls)."})
    max_length: int = field(
        default=20, metadata={"help": "Longest chain; target lengths are uniform in [min, max]."}
    )
    max_visits: int = field(
        default=0,
        metadata={"help": "Per-tool cap on appearances over all chains; 0 = auto (about 3x the fair share)."},
    )
    branch_prob: float = field(
        default=0.25,
        metadata={
            "help": "Chance to extend from an earlier step instead of the last (gives parallel calls)."
        },
    )
    independent_prob: float = field(
        default=0.05, metadata={"help": "Chance per step to add an unrelated tool (an independent call)."}
    )
    specificity_power: float = field(
        default=1.0,
        metadata={
            "help": "Next-step weight ~ (tools feeding the linked input) ^ -power: > 0 prefers specific links "
            "(ids) over generic ones (dates, currencies); 0 = similarity only."
        },
    )
    extra_links: int = field(
        default=2,
        metadata={"help": "Extra data links per step from other earlier steps when the graph has them."},
    )
    max_attempts: int = field(
        default=10, metadata={"help": "Walks tried per chain before keeping the longest one found."}
    )
    start_weights: dict[str, float] = field(
        default_factory=dict,
        metadata={
            "help": "Tool-name glob -> weight of the tools it matches as a chain's first tool (the first "
            "matching glob counts; others 1.0, 0 never starts a chain): aims the data at a target's domains, "
            "e.g. {'compute_*': 5}. The visit term still spreads starts, so w gives fewer than w times the "
            "starts (5: ~3x on the default pool). Each glob must match a tool of the graph."
        },
    )

    def __post_init__(self) -> None:
        if not isinstance(self.start_weights, dict):
            raise ValueError(f"start_weights must be a mapping of glob -> weight, got {self.start_weights!r}")
        for glob, weight in self.start_weights.items():
            number = isinstance(weight, int | float) and not isinstance(weight, bool)
            if not isinstance(glob, str) or not number or not weight >= 0:
                raise ValueError(f"start_weights: {glob!r}: {weight!r} is not a weight (a number >= 0)")


def config_from_dict(cls: type[Any], data: dict[str, Any] | None, where: str = "config") -> Any:
    """Build a config dataclass from a dict, rejecting unknown keys with a clear message."""
    data = dict(data or {})
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {unknown}; known: {sorted(known)}")
    try:
        return cls(**data)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: {exc}") from exc


def to_dict(cfg: Any) -> dict[str, Any]:
    return asdict(cfg)
