"""Qwen3 chat format: `render` (training text == inference prompt), `render_segments` (the per-turn
pieces loss masks are built from), `parse` (model output → Message) and the shipped `.jinja` template."""

from toolmind.chat.parse import parse
from toolmind.chat.render import Segment, render, render_segments
from toolmind.chat.template import chat_template, render_template

__all__ = ["Segment", "chat_template", "parse", "render", "render_segments", "render_template"]
