"""The one data model for everything that crosses a file or process boundary.

Records follow the OpenAI chat format (the de facto master format of the field, REFERENCE §2) plus
toolmind's additions: a `returns` schema on tools (needed by the function graph), `reasoning_content` on
assistant turns, and per-assistant-turn loss `labels` on trajectories.

JSONL I/O never loses good records because of bad ones: `read_jsonl` returns the valid records and one
`RecordError` per bad line, each naming file, line and field.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Role = Literal["system", "user", "assistant", "tool"]

USER_STOP_TOKEN = "###STOP###"


class _Model(BaseModel):
    # Unknown keys are errors: a typo in a field name must not silently drop data.
    model_config = ConfigDict(extra="forbid")


class FunctionSpec(_Model):
    """The `function` part of an OpenAI tool spec."""

    name: str = Field(min_length=1)
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})

    @field_validator("parameters")
    @classmethod
    def _parameters_is_object_schema(cls, value: dict[str, Any]) -> dict[str, Any]:
        if value.get("type", "object") not in ("object", "dict"):
            raise ValueError(f"parameters must be an object schema, got type {value.get('type')!r}")
        props = value.get("properties", {})
        if not isinstance(props, dict):
            raise ValueError("parameters.properties must be an object")
        required = value.get("required", [])
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            raise ValueError("parameters.required must be a list of parameter names")
        missing = [r for r in required if r not in props]
        if missing:
            raise ValueError(f"parameters.required names undefined parameters: {missing}")
        return value


class ToolSpec(_Model):
    """An OpenAI function tool plus toolmind's `returns` (JSON Schema of the tool's output)."""

    type: Literal["function"] = "function"
    function: FunctionSpec
    returns: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        return self.function.name

    def openai(self) -> dict[str, Any]:
        """The spec as an OpenAI/Qwen chat template expects it (no `returns`)."""
        return {"type": "function", "function": self.function.model_dump()}


class FunctionCall(_Model):
    name: str
    # OpenAI format: arguments travel as a JSON string (also avoids the Arrow struct-unification pitfall).
    arguments: str = "{}"

    def parsed_arguments(self) -> dict[str, Any]:
        """Decode `arguments`; raises ValueError when it is not a JSON object."""
        try:
            value = json.loads(self.arguments)
        except json.JSONDecodeError as exc:
            raise ValueError(f"arguments of {self.name!r} are not valid JSON: {exc}") from exc
        if not isinstance(value, dict):
            raise ValueError(f"arguments of {self.name!r} must be a JSON object, got {type(value).__name__}")
        return value


class ToolCall(_Model):
    id: str
    type: Literal["function"] = "function"
    function: FunctionCall

    @classmethod
    def make(cls, call_id: str, name: str, arguments: dict[str, Any] | str) -> ToolCall:
        args = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
        return cls(id=call_id, function=FunctionCall(name=name, arguments=args))


class Message(_Model):
    role: Role
    content: str = ""
    reasoning_content: str | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None
    name: str | None = None
    # Set by `toolmind.chat.parse` when a model's raw output could not be decoded; evaluators count it
    # as a failure, filters treat it as a defect. Never raised inside an eval loop.
    parse_error: str | None = None

    @field_validator("content", mode="before")
    @classmethod
    def _none_content_is_empty(cls, value: Any) -> Any:
        return "" if value is None else value

    @model_validator(mode="after")
    def _role_fields(self) -> Message:
        if self.tool_calls and self.role != "assistant":
            raise ValueError(f"tool_calls are only allowed on assistant messages, not {self.role!r}")
        if self.reasoning_content is not None and self.role != "assistant":
            raise ValueError(f"reasoning_content is only allowed on assistant messages, not {self.role!r}")
        if self.role == "tool" and not self.tool_call_id:
            raise ValueError("tool messages need tool_call_id")
        return self


class TurnLabel(_Model):
    """Loss label of one assistant turn: `train=False` keeps the turn in context but out of the loss."""

    message_index: int = Field(ge=0)
    train: bool = True
    reasons: list[str] = Field(default_factory=list)


class Trajectory(_Model):
    id: str = Field(min_length=1)
    tools: list[ToolSpec] = Field(default_factory=list)
    messages: list[Message]
    labels: list[TurnLabel] = Field(default_factory=list)
    meta: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _labels_cover_assistant_turns(self) -> Trajectory:
        assistant = [i for i, m in enumerate(self.messages) if m.role == "assistant"]
        if not self.labels:
            self.labels = [TurnLabel(message_index=i) for i in assistant]
            return self
        got = [label.message_index for label in self.labels]
        if got != assistant:
            raise ValueError(
                f"labels must have one entry per assistant message in order: "
                f"assistant turns at {assistant}, labels at {got}"
            )
        return self

    def assistant_indices(self) -> list[int]:
        return [i for i, m in enumerate(self.messages) if m.role == "assistant"]

    def tool_by_name(self) -> dict[str, ToolSpec]:
        return {t.name: t for t in self.tools}

    def trainable_indices(self) -> list[int]:
        return [label.message_index for label in self.labels if label.train]


class ChainLink(_Model):
    """Output `src_param` of step `src` can feed input `dst_param` of step `dst` (a graph edge in use)."""

    src: int = Field(ge=0)
    src_param: str
    dst: int = Field(ge=0)
    dst_param: str
    score: float = 0.0


class Chain(_Model):
    """A sampled tool chain: the skeleton of one user goal (one JSON line of `toolmind graph sample`)."""

    id: str = Field(min_length=1)
    tools: list[str] = Field(min_length=1)
    links: list[ChainLink] = Field(default_factory=list)
    # Groups of step indices with no data dependency between them: candidates for parallel calls.
    parallel_groups: list[list[int]] = Field(default_factory=list)
    seed: int | None = None

    @model_validator(mode="after")
    def _links_in_range(self) -> Chain:
        n = len(self.tools)
        for link in self.links:
            if link.src >= n or link.dst >= n:
                raise ValueError(f"link {link.src}->{link.dst} is outside the chain of {n} tools")
        return self


# --------------------------------------------------------------------------------------------------
# JSONL I/O
# --------------------------------------------------------------------------------------------------

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class RecordError:
    """One bad record: where it is and what is wrong with it."""

    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}"
        return f"{where}: field {self.field!r}: {self.message}" if self.field else f"{where}: {self.message}"


class JsonlError(ValueError):
    """Raised by strict reads; carries every bad record of the file."""

    def __init__(self, errors: list[RecordError]) -> None:
        self.errors = errors
        shown = "\n".join(f"  {e}" for e in errors[:20])
        more = f"\n  ... and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} bad record(s):\n{shown}{more}")


T = TypeVar("T")


@dataclass
class ReadResult(Generic[T]):
    records: list[T] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)


def _loc(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc) or "<record>"


def iter_jsonl(path: str | os.PathLike[str], model: type[M]) -> Iterator[M | RecordError]:
    """Yield a validated record or a RecordError per non-empty line; never raises on bad content."""
    p = str(path)
    with open(p, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                yield RecordError(p, lineno, "", f"invalid JSON ({exc.msg} at column {exc.colno})")
                continue
            if not isinstance(data, dict):
                yield RecordError(p, lineno, "", f"expected a JSON object, got {type(data).__name__}")
                continue
            try:
                yield model.model_validate(data)
            except ValidationError as exc:
                for err in exc.errors():
                    yield RecordError(p, lineno, _loc(err["loc"]), err["msg"])


def read_jsonl(path: str | os.PathLike[str], model: type[M], *, strict: bool = False) -> ReadResult[M]:
    """Read every good record; collect one error per bad field. `strict` raises JsonlError instead."""
    result: ReadResult[M] = ReadResult()
    for item in iter_jsonl(path, model):
        if isinstance(item, RecordError):
            result.errors.append(item)
        else:
            result.records.append(item)
    if strict and result.errors:
        raise JsonlError(result.errors)
    return result


def dump_line(record: BaseModel) -> str:
    return record.model_dump_json(exclude_none=True) + "\n"


def write_jsonl(path: str | os.PathLike[str], records: Iterable[BaseModel]) -> int:
    """Write records to `path` atomically (temp file + rename); returns the count."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    n = 0
    with open(tmp, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(dump_line(record))
            n += 1
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    return n


class JsonlAppender:
    """Append-only writer: each record is one `write` of a complete line, flushed and fsynced, so a
    killed process leaves at most a truncated last line, which `repair_tail` removes on resume."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        repair_tail(self.path)
        self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 (closed in close())

    def append(self, record: BaseModel | dict[str, Any]) -> None:
        line = (
            dump_line(record)
            if isinstance(record, BaseModel)
            else json.dumps(record, ensure_ascii=False) + "\n"
        )
        self._fh.write(line)
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> JsonlAppender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def repair_tail(path: str | os.PathLike[str]) -> bool:
    """Drop a partial last line (no trailing newline) left by a killed writer. Returns True if cut."""
    p = Path(path)
    if not p.exists() or p.stat().st_size == 0:
        return False
    with open(p, "rb+") as fh:
        fh.seek(-1, os.SEEK_END)
        if fh.read(1) == b"\n":
            return False
        fh.seek(0)
        data = fh.read()
        cut = data.rfind(b"\n") + 1
        fh.truncate(cut)
    return True
