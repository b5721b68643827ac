"""toolmind's Qwen3 `.jinja` chat template, and rendering a template the way transformers does.

`chat_template()` is the text attached to tokenizers and checkpoints (`tokenizer.chat_template`), so that
`tokenizer.apply_chat_template(...)`, vLLM and any other consumer render what `toolmind.chat.render` renders.
`render_template` compiles a template with the same jinja2 settings as transformers'
`apply_chat_template` (sandboxed, `trim_blocks`, `lstrip_blocks`, `loopcontrols`, a `tojson` that does not
escape non-ASCII, `raise_exception`), without importing transformers.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import BaseModel

from toolmind.schema import ToolSpec

TEMPLATE_NAMES = ("qwen3",)


def chat_template(name: str = "qwen3") -> str:
    """The text of a template shipped in `toolmind/chat/templates/`.

    Args:
        name: template name (file stem); one of `TEMPLATE_NAMES`.

    Raises:
        ValueError: for an unknown name.
    """
    if name not in TEMPLATE_NAMES:
        raise ValueError(f"unknown chat template {name!r}; available: {TEMPLATE_NAMES}")
    return resources.files("toolmind.chat").joinpath("templates", f"{name}.jinja").read_text(encoding="utf-8")


def _raise_exception(message: str) -> None:
    raise jinja2.exceptions.TemplateError(message)


def _tojson(
    value: Any,
    ensure_ascii: bool = False,
    indent: int | None = None,
    separators: tuple[str, str] | None = None,
    sort_keys: bool = False,
) -> str:
    return json.dumps(
        value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
    )


@functools.lru_cache(maxsize=8)
def _compile(template_text: str) -> jinja2.Template:
    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols]
    )
    env.filters["tojson"] = _tojson
    env.globals["raise_exception"] = _raise_exception
    return env.from_string(template_text)


def _plain(value: Any) -> Any:
    if isinstance(value, ToolSpec):
        return value.openai()
    if isinstance(value, BaseModel):
        return value.model_dump()
    return value


def render_template(
    template_text: str,
    messages: Sequence[Any],
    tools: Sequence[Any] | None = None,
    *,
    add_generation_prompt: bool = False,
    **kwargs: Any,
) -> str:
    """Render a chat template as transformers' `apply_chat_template(..., tokenize=False)` does.

    Args:
        template_text: jinja source of the template.
        messages: dicts or pydantic models (dumped with `model_dump()`, None fields included, as
            transformers does).
        tools: tool dicts or `ToolSpec`s (dumped with `ToolSpec.openai()`).
        add_generation_prompt: passed to the template.
        **kwargs: extra template variables, e.g. `enable_thinking=False`.
    """
    plain_messages: list[Mapping[str, Any]] = [_plain(m) for m in messages]
    plain_tools = [_plain(t) for t in tools] if tools is not None else None
    return _compile(template_text).render(
        messages=plain_messages, tools=plain_tools, add_generation_prompt=add_generation_prompt, **kwargs
    )
