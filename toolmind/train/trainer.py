"""TRL's SFTTrainer with the LM head applied only where there is a label.

In tool-use SFT most tokens carry no loss: tool lists, user turns, tool results and masked assistant turns
are context (STYLE principle 6). TRL 1.16's fused LM head still projects *every* position onto the
vocabulary, in fp32 chunks, forward and backward. On a small model that projection is most of the step
(profiled on SmolLM2-135M, vocabulary 49k, ~1,100-token conversations with a quarter of them labelled, on
2 CPU cores: 56% of the step time in TRL's chunked log-prob function against 13% in the decoder layers'
forward). `logits_to_keep` with a boolean mask is the transformers API for exactly this: the decoder runs
over the whole sequence and the LM head only over the positions whose next token is labelled.

The loss is the same quantity TRL computes (summed token negative log-likelihood over the batch's labelled
tokens divided by `num_items_in_batch`, scaled for token averaging across processes), so gradients match
TRL's path up to float rounding (`tests/test_train_sft.py` checks it). Configurations that need TRL's own
loss (label smoothing, DFT loss, a custom `compute_loss_func`, MoE auxiliary losses, Ulysses sequence
parallelism) fall back to it.

`decision_weight` optionally weighs one token per labelled assistant turn more: the first one it generates
after a leading think block, which is `<tool_call>` when the turn calls and the answer's first word when it
does not. Greedy decoding settles call-or-answer on that one token, while the loss averages it with the
~40 tokens of the call or answer that follow (the demo's data); weighing it up trains the decision harder
without changing what is learnt (the same targets). At 1.0 (the default) the loss is exactly the one above.
Measured on the demo at 5.0 over two seeds: no effect on BFCL's call/decline decisions (recipes/README.md).
"""

from __future__ import annotations

from typing import Any

import torch
from trl import SFTTrainer

IGNORE_INDEX = -100


def next_token_targets(labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(keep, targets): `keep[b, t]` is True where position t predicts a labelled token t + 1, and
    `targets` are those tokens in row-major order (the order `logits_to_keep` flattens positions in)."""
    keep = torch.zeros_like(labels, dtype=torch.bool)
    shifted = labels[:, 1:]
    keep[:, :-1] = shifted != IGNORE_INDEX
    return keep, shifted[keep[:, :-1]]


def decision_mask(
    input_ids: torch.Tensor, labels: torch.Tensor, think: tuple[int, int], blank: set[int]
) -> torch.Tensor:
    """True at the deciding token of every labelled span (an assistant turn the loss trains): the span's
    first token, or, when the span opens with a think block (`think` = the ids of `<think>`, `</think>`),
    the first token after `</think>` and the blank-line tokens (`blank`) that follow it. A span whose think
    block does not close, or that ends before a deciding token, has none."""
    mask = torch.zeros_like(labels, dtype=torch.bool)
    for row, (ids, labs) in enumerate(zip(input_ids.tolist(), labels.tolist(), strict=True)):
        labelled = [x != IGNORE_INDEX for x in labs]
        for start in range(len(labs)):
            if not labelled[start] or (start > 0 and labelled[start - 1]):
                continue
            end = start
            while end < len(labs) and labelled[end]:
                end += 1
            span = ids[start:end]
            p = 0
            if span[0] == think[0]:
                if think[1] not in span:
                    continue
                p = span.index(think[1]) + 1
                while p < len(span) and span[p] in blank:
                    p += 1
            if p < len(span):
                mask[row, start + p] = True
    return mask


class LabelledHeadSFTTrainer(SFTTrainer):
    """SFTTrainer whose loss projects only labelled positions onto the vocabulary (see module docstring)."""

    def __init__(self, *args: Any, decision_weight: float = 1.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.decision_weight = decision_weight
        self._decision_ids: tuple[tuple[int, int], set[int]] | None = None

    def _decision_tokens(self) -> tuple[tuple[int, int], set[int]]:
        """The ids of `<think>` / `</think>` (-1 when the vocabulary has none) and of the blank lines after."""
        if self._decision_ids is None:
            tok: Any = self.processing_class  # a tokenizer: sft.py passes one
            vocab = tok.get_vocab()
            think = (vocab.get("<think>", -1), vocab.get("</think>", -1))
            blank = {i for text in ("\n", "\n\n") for i in tok.encode(text, add_special_tokens=False)}
            self._decision_ids = (think, blank)
        return self._decision_ids

    def _use_labelled_head(self, inputs: dict[str, Any]) -> bool:
        return (
            "labels" in inputs
            and self.compute_loss_func is None
            and self.label_smoother is None
            and getattr(self.args, "loss_type", "nll") == "nll"
            and not self.aux_loss_enabled
            and not self._sequence_parallel()
        )

    def _sequence_parallel(self) -> bool:
        config = getattr(self.accelerator, "parallelism_config", None)
        return bool(config is not None and getattr(config, "sp_enabled", False))

    def compute_loss(
        self,
        model: Any,
        inputs: dict[str, Any],
        return_outputs: bool = False,
        num_items_in_batch: Any = None,
    ) -> Any:
        if return_outputs or not self._use_labelled_head(inputs):
            if self.decision_weight != 1.0 and not return_outputs:
                raise ValueError(
                    "decision_weight needs the labelled-head loss; this configuration uses TRL's own"
                )
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        mode = "train" if model.training else "eval"
        keep, targets = next_token_targets(inputs["labels"])
        model_inputs = {k: v for k, v in inputs.items() if k != "labels"}
        if not bool(keep.any()):
            # No labelled token in this micro-batch: keep one position so the graph (and DDP's gradient
            # hooks) still run, and contribute a zero loss.
            keep[0, 0] = True
            outputs = model(**model_inputs, use_cache=False, logits_to_keep=keep)
            loss = outputs.logits.sum() * 0.0
            self._log_token_metrics(mode, None, targets, inputs)
            return loss
        outputs = model(**model_inputs, use_cache=False, logits_to_keep=keep)
        logits = outputs.logits.reshape(-1, outputs.logits.shape[-1]).float()
        if self.decision_weight == 1.0:
            total = torch.nn.functional.cross_entropy(logits, targets, reduction="sum")
        else:
            think, blank = self._decision_tokens()
            deciding = decision_mask(inputs["input_ids"], inputs["labels"], think, blank)[:, 1:][keep[:, :-1]]
            weights = torch.where(deciding.to(logits.device), self.decision_weight, 1.0)
            nll = torch.nn.functional.cross_entropy(logits, targets, reduction="none")
            total = (nll * weights).sum()
        count = targets.numel() if num_items_in_batch is None else num_items_in_batch
        loss = total / torch.as_tensor(count, device=total.device).clamp(min=1)
        if self.args.average_tokens_across_devices and num_items_in_batch is not None:
            loss = loss * (self.accelerator.num_processes // self.get_tp_size())
        self._log_token_metrics(mode, logits.detach(), targets, inputs)
        return loss

    def _log_token_metrics(
        self, mode: str, logits: torch.Tensor | None, targets: torch.Tensor, inputs: dict[str, Any]
    ) -> None:
        """The metrics TRL logs (entropy, mean token accuracy, tokens seen), from the labelled logits."""
        gather = self.accelerator.gather_for_metrics
        if logits is None:
            zeros = torch.zeros((), device=targets.device)
            valid, entropy, correct = zeros, zeros, zeros
        else:
            log_probs = torch.log_softmax(logits, dim=-1)
            valid = torch.tensor(targets.numel(), device=logits.device)
            entropy = -(log_probs.exp() * log_probs).sum()
            correct = (logits.argmax(dim=-1) == targets).sum()
        num_valid = gather(valid).sum()
        entropy_sum = gather(entropy).sum()
        num_correct = gather(correct).sum()
        metrics = self._metrics[mode]
        metrics["entropy"].append((entropy_sum / num_valid).item() if num_valid > 0 else 0.0)
        metrics["mean_token_accuracy"].append((num_correct / num_valid).item() if num_valid > 0 else 0.0)
        if mode == "train":
            if "attention_mask" in inputs:
                local = inputs["attention_mask"].sum()
            else:
                local = torch.tensor(inputs["input_ids"].numel(), device=inputs["input_ids"].device)
            self._total_train_tokens += int(gather(local).sum().item()) // self._tp_size
        metrics["num_tokens"] = [self._total_train_tokens]
