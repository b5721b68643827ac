"""Partial fine-tuning: train the top decoder layers and the LM head, freeze everything below.

On a CPU budget (the demo) the backward pass is two thirds of a step; with the lower layers frozen it
stops at the lowest trainable layer. Measured on SmolLM2-135M (30 layers, ~900-token rows, bf16 autocast,
2 cores): 2.6 s per step with every layer trained, 1.3 s with the top 10 (`benchmarks/train_step.py`).
The input embedding is frozen too, and its output detached: with tied embeddings (SmolLM2) the shared
matrix still learns through the LM head, and nothing asks autograd to go below the trainable layers.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


def decoder_layers(model: Any) -> Any:
    """The model's stack of decoder layers (`model.model.layers` in Llama/Qwen-style checkpoints)."""
    base = model.get_decoder() if hasattr(model, "get_decoder") else getattr(model, "model", None)
    layers = getattr(base, "layers", None)
    if layers is None:
        raise ValueError(f"{type(model).__name__}: no decoder `layers` found; train_top_layers needs one")
    return layers


def train_top_layers(model: Any, top: int) -> dict[str, int]:
    """Freeze all but the top `top` decoder layers, the final norm and the LM head; returns counts."""
    layers = decoder_layers(model)
    if not 0 < top <= len(layers):
        raise ValueError(f"train_top_layers must be in [1, {len(layers)}] for this model, got {top}")
    frozen_layers = len(layers) - top
    embeddings = model.get_input_embeddings()
    tied = embeddings.weight is model.get_output_embeddings().weight
    for layer in list(layers)[:frozen_layers]:
        layer.requires_grad_(False)
    if not tied:
        embeddings.requires_grad_(False)
    # Nothing below the top layers needs a gradient: cut the graph at the embedding output (with tied
    # weights the matrix keeps its gradient from the LM head).
    embeddings.register_forward_hook(lambda _module, _inputs, output: output.detach())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    logger.info(
        "training the top %d of %d decoder layers + LM head%s: %d of %d parameters trainable",
        top,
        len(layers),
        " (tied to the input embedding)" if tied else "",
        trainable,
        total,
    )
    return {"frozen_layers": frozen_layers, "trainable_parameters": trainable, "parameters": total}
