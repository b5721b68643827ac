"""ScriptedBackend, the built-in policies, BackendConfig validation and make_backend."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from toolmind.llm.base import ChatRequest, LLMBackend
from toolmind.llm.config import BackendConfig
from toolmind.llm.factory import make_backend
from toolmind.llm.scripted import ScriptedBackend, call_first_tool_policy, placeholder_arguments
from toolmind.schema import FunctionSpec, Message, ToolSpec

TOOL = ToolSpec(
    function=FunctionSpec(
        name="book",
        parameters={
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "nights": {"type": "integer"},
                "cls": {"type": "string", "enum": ["eco", "biz"]},
                "pets": {"type": "boolean", "default": False},
                "note": {"type": "string"},
            },
            "required": ["city", "nights", "cls", "pets"],
        },
    )
)


def test_default_config_is_the_offline_scripted_echo() -> None:
    backend = make_backend(BackendConfig())
    assert isinstance(backend, LLMBackend) and backend.name == "scripted:echo"
    done = asyncio.run(backend.complete(ChatRequest(messages=[Message(role="user", content="hi there")])))
    assert done.message.content == "scripted reply to: hi there"
    assert done.backend == "scripted" and done.model == "echo"


def test_custom_policy_is_named_in_outputs() -> None:
    def policy(request: ChatRequest) -> Message:
        return Message(role="assistant", content=str(request.context["turn"]))

    backend = make_backend(BackendConfig(kind="scripted", model="toolmind-v1"), scripted_policy=policy)
    assert backend.name == "scripted:toolmind-v1"
    done = asyncio.run(backend.complete(ChatRequest(messages=[], context={"turn": 3})))
    assert done.message.content == "3"


def test_policy_must_answer_as_assistant() -> None:
    backend = ScriptedBackend(lambda r: Message(role="user", content="x"), "bad")
    with pytest.raises(ValueError, match="scripted:bad"):
        asyncio.run(backend.complete(ChatRequest(messages=[])))


def test_unknown_scripted_policy_without_callable_is_an_error() -> None:
    with pytest.raises(ValueError, match="not a built-in policy"):
        make_backend(BackendConfig(kind="scripted", model="toolmind-v1"))


def test_call_first_tool_then_report() -> None:
    user = Message(role="user", content="book Oslo")
    first = call_first_tool_policy(ChatRequest(messages=[user], tools=[TOOL]))
    assert first.tool_calls is not None and first.tool_calls[0].function.name == "book"
    args = first.tool_calls[0].function.parsed_arguments()
    assert args == {"city": "example", "nights": 1, "cls": "eco", "pets": False}
    assert args == placeholder_arguments(TOOL)
    result = Message(role="tool", content='{"ok": true}', tool_call_id=first.tool_calls[0].id)
    second = call_first_tool_policy(ChatRequest(messages=[user, first, result], tools=[TOOL]))
    assert second.tool_calls is None and '{\\"ok\\": true}' in second.content


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("kind", "vllm", "unknown backend"),
        ("concurrency", 0, "concurrency"),
        ("timeout_s", 0, "timeout_s"),
        ("max_retries", -1, "max_retries"),
        ("batch_size", 0, "batch_size"),
    ],
)
def test_config_validation(field: str, value: object, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        BackendConfig(**{field: value})  # type: ignore[arg-type]


def test_every_config_field_is_documented() -> None:
    for f in dataclasses.fields(BackendConfig):
        assert f.metadata.get("help"), f.name


def test_from_dict_names_unknown_fields() -> None:
    cfg = BackendConfig.from_dict({"kind": "litellm", "model": "openai/x", "concurrency": 4})
    assert cfg.concurrency == 4
    with pytest.raises(ValueError, match=r"synth.user_agent: unknown backend field\(s\) \['concurency'\]"):
        BackendConfig.from_dict({"concurency": 4}, where="synth.user_agent")
