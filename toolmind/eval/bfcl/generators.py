"""Model backends for BFCL generation, all answering in Qwen FC text.

A generator turns a batch of `GenRequest` (the conversation, the BFCL function docs and the rendered
raw prompt) into raw completions. Local backends (transformers, vLLM) complete the official raw prompt;
the litellm backend sends the conversation with native tool calling (BFCL's FC-mode style) and renders
the returned tool calls back as ``<tool_call>`` blocks, so every backend's output is decoded and scored
the same way.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from toolmind.eval.bfcl.prompt import render_tool_calls

#: BFCL parameter types -> JSON-Schema types for native tool calling (as BFCL's FC handlers map them).
_JSON_SCHEMA_TYPES = {
    "dict": "object",
    "float": "number",
    "tuple": "array",
    "any": "string",
    "list": "array",
    "bool": "boolean",
    "double": "number",
    "long": "integer",
    "short": "integer",
    "byte": "integer",
    "char": "string",
    "ArrayList": "array",
    "Array": "array",
    "HashMap": "object",
    "Hashtable": "object",
    "Queue": "array",
    "Stack": "array",
    "Any": "string",
    "String": "string",
    "Bigint": "integer",
}


@dataclass
class GenRequest:
    """One model call."""

    messages: list[dict[str, Any]] = field(metadata={"help": "conversation so far (OpenAI-style dicts)"})
    functions: list[dict[str, Any]] = field(metadata={"help": "BFCL function docs offered"})
    prompt: str = field(metadata={"help": "the official Qwen FC raw prompt of this conversation"})


@dataclass
class GenOutput:
    """One raw completion and its token counts."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0


class Generator(Protocol):
    """What the generation loops need from a backend."""

    name: str

    def generate(self, batch: list[GenRequest]) -> list[GenOutput]: ...


class TransformersGenerator:
    """Local checkpoint through `toolmind.llm.transformers_backend` (batched greedy decoding)."""

    def __init__(
        self,
        model: str,
        *,
        max_new_tokens: int,
        device: str = "cpu",
        dtype: str = "float32",
        batch_size: int = 8,
    ) -> None:
        from toolmind.llm.config import BackendConfig
        from toolmind.llm.transformers_backend import TransformersBackend

        cfg = BackendConfig(
            kind="transformers", model=model, device=device, dtype=dtype, batch_size=batch_size
        )
        self.backend = TransformersBackend.from_config(cfg)
        self.max_new_tokens = max_new_tokens
        self.name = f"transformers:{model}"

    def budget(self, prompt_tokens: int) -> int:
        """Official budget: min(cap, context - prompt - 2); 1000 when the prompt is already too long."""
        ctx = getattr(self.backend.model.config, "max_position_embeddings", None)
        if ctx is None:
            return self.max_new_tokens
        if ctx < prompt_tokens + 2:
            return min(self.max_new_tokens, 1000)
        return max(1, min(self.max_new_tokens, ctx - prompt_tokens - 2))

    def generate(self, batch: list[GenRequest]) -> list[GenOutput]:
        lengths = [
            len(self.backend.tokenizer(r.prompt, add_special_tokens=False)["input_ids"]) for r in batch
        ]
        groups: dict[int, list[int]] = {}
        for i, n in enumerate(lengths):
            groups.setdefault(self.budget(n), []).append(i)
        outs: list[GenOutput] = [GenOutput("")] * len(batch)
        for budget, idx in groups.items():
            texts = self.backend.generate_texts([batch[i].prompt for i in idx], budget)
            for i, text in zip(idx, texts, strict=True):
                generated = len(self.backend.tokenizer(text, add_special_tokens=False)["input_ids"])
                outs[i] = GenOutput(text=text, prompt_tokens=lengths[i], completion_tokens=generated)
        return outs


class VLLMGenerator:
    """vLLM offline engine (GPU; optional extra, imported lazily)."""

    def __init__(self, model: str, *, max_new_tokens: int, temperature: float = 0.0) -> None:
        try:
            from vllm import LLM, SamplingParams
        except ImportError as exc:  # pragma: no cover - GPU extra
            raise RuntimeError("the vllm backend needs `pip install vllm` on a GPU machine") from exc
        self.llm = LLM(model=model)
        self.params = SamplingParams(temperature=temperature, max_tokens=max_new_tokens)
        self.name = f"vllm:{model}"

    def generate(self, batch: list[GenRequest]) -> list[GenOutput]:  # pragma: no cover - GPU only
        outs = self.llm.generate([r.prompt for r in batch], self.params, use_tqdm=False)
        return [
            GenOutput(o.outputs[0].text, len(o.prompt_token_ids or []), len(o.outputs[0].token_ids))
            for o in outs
        ]


def bfcl_to_openai_tool(doc: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Convert a BFCL function doc to an OpenAI tool (dots in names become underscores).

    Returns:
        The tool and the OpenAI-safe name.
    """
    doc = copy.deepcopy(doc)
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", doc["name"])[:64]

    def fix(schema: dict[str, Any]) -> None:
        if "type" in schema and schema["type"] in _JSON_SCHEMA_TYPES:
            schema["type"] = _JSON_SCHEMA_TYPES[schema["type"]]
        for sub in (schema.get("properties") or {}).values():
            if isinstance(sub, dict):
                fix(sub)
        if isinstance(schema.get("items"), dict):
            fix(schema["items"])

    params = doc.get("parameters") or {"type": "object", "properties": {}}
    fix(params)
    params["type"] = "object"
    return {
        "type": "function",
        "function": {"name": safe, "description": doc.get("description", ""), "parameters": params},
    }, safe


class LiteLLMGenerator:
    """Any litellm model or OpenAI-compatible endpoint, with native tool calling."""

    def __init__(
        self, model: str, *, api_base: str | None, max_new_tokens: int, thinking: bool, concurrency: int = 8
    ) -> None:
        from toolmind.llm.config import BackendConfig
        from toolmind.llm.litellm_backend import LiteLLMBackend

        cfg = BackendConfig(
            kind="litellm",
            model=model,
            api_base=api_base,
            concurrency=concurrency,
            max_tokens=max_new_tokens,
            # Thinking off is sent as chat_template_kwargs (vLLM/SGLang); on is the servers' default, so
            # nothing is sent and hosted providers never see an unknown parameter.
            enable_thinking=None if thinking else False,
        )
        self.backend = LiteLLMBackend(cfg)
        self.thinking = thinking
        self.name = f"litellm:{model}"

    def _request(self, req: GenRequest) -> tuple[Any, dict[str, str]]:
        from toolmind.llm.base import ChatRequest
        from toolmind.schema import FunctionCall, Message, ToolCall, ToolSpec

        tools, back = [], {}
        for doc in req.functions:
            tool, safe = bfcl_to_openai_tool(doc)
            tools.append(ToolSpec.model_validate(tool))
            back[safe] = doc["name"]
        to_safe = {v: k for k, v in back.items()}
        messages: list[Message] = []
        pending: list[str] = []
        for i, m in enumerate(req.messages):
            if m["role"] == "assistant":
                calls = [c for c in m.get("tool_calls") or [] if isinstance(c, dict) and "name" in c]
                ids = [f"call_{i}_{j}" for j in range(len(calls))]
                pending = list(ids)
                tcs = [
                    ToolCall(
                        id=cid,
                        function=FunctionCall(
                            name=to_safe.get(str(c["name"]), str(c["name"])),
                            arguments=json.dumps(c.get("arguments", {})),
                        ),
                    )
                    for cid, c in zip(ids, calls, strict=True)
                ]
                messages.append(
                    Message(role="assistant", content=m.get("content", ""), tool_calls=tcs or None)
                )
            elif m["role"] == "tool":
                messages.append(
                    Message(
                        role="tool",
                        content=m["content"],
                        tool_call_id=pending.pop(0) if pending else "call_x",
                    )
                )
            else:
                messages.append(Message(role=m["role"], content=m["content"]))
        return ChatRequest(messages=messages, tools=tools or None, enable_thinking=self.thinking), back

    def _to_text(self, completion: Any, back: dict[str, str]) -> str:
        msg = completion.message
        text = f"<think>\n{msg.reasoning_content}\n</think>\n\n" if msg.reasoning_content else ""
        text += msg.content or ""
        calls = []
        for tc in msg.tool_calls or []:
            try:
                args = json.loads(tc.function.arguments)
            except json.JSONDecodeError:
                args = tc.function.arguments
            calls.append({"name": back.get(tc.function.name, tc.function.name), "arguments": args})
        if calls:
            text += ("\n" if text else "") + render_tool_calls(calls)
        return text

    def generate(self, batch: list[GenRequest]) -> list[GenOutput]:
        async def run() -> list[GenOutput]:
            prepared = [self._request(r) for r in batch]
            completions = await asyncio.gather(*(self.backend.complete(req) for req, _ in prepared))
            return [
                GenOutput(self._to_text(c, back), c.usage.prompt_tokens, c.usage.completion_tokens)
                for c, (_, back) in zip(completions, prepared, strict=True)
            ]

        return asyncio.run(run())
