"""The toolmind Qwen3 chat template, attached to every tokenizer a training run saves.

Checkpoints carry `tokenizer.chat_template` so that any consumer (transformers `apply_chat_template`, vLLM,
toolmind's own evaluation) formats prompts exactly the way the model was trained. The template itself is
owned by `toolmind.chat`; this module only attaches it (or a user-supplied file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def chat_template_text(path: str | Path | None = None) -> str:
    """The Jinja chat template text: the file at `path` if given, else toolmind's Qwen3 template.

    Raises:
        FileNotFoundError: `path` does not exist.
    """
    if path is None:
        from toolmind.chat import chat_template

        return chat_template("qwen3")
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"chat template {p} does not exist")
    return p.read_text(encoding="utf-8")


def attach_chat_template(tokenizer: Any, path: str | Path | None = None) -> None:
    """Set `tokenizer.chat_template` to toolmind's Qwen3 template (or the file at `path`)."""
    tokenizer.chat_template = chat_template_text(path)
