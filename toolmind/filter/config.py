"""Configuration of the two-stage filter (one dataclass; YAML recipes and CLI flags fill it)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# Stage names in the order they run. Trajectory-level stages drop records; turn-level stages mask turns.
TRAJECTORY_STAGES = ("rules", "judge")
TURN_STAGES = ("turn_rules", "turn_judge")
ALL_STAGES = TRAJECTORY_STAGES + TURN_STAGES

SCRIPTED_JUDGE = "scripted:judge-v1"


@dataclass
class FilterConfig:
    """Every knob of `toolmind filter`."""

    stages: list[str] = field(
        default_factory=lambda: list(ALL_STAGES),
        metadata={"help": f"stages to run, a subset of {list(ALL_STAGES)}; they always run in that order"},
    )
    judge_model: str = field(
        default=SCRIPTED_JUDGE,
        metadata={
            "help": "model of the LLM judges: `scripted:judge-v1` (offline, deterministic, derived from the rule "
            "findings) or any litellm model name (e.g. `openai/gpt-4o`, `hosted_vllm/Qwen/Qwen3-32B`)"
        },
    )
    judge_api_base: str | None = field(
        default=None, metadata={"help": "OpenAI-compatible endpoint of the judge model (litellm api_base)"}
    )
    judge_temperature: float = field(default=0.0, metadata={"help": "sampling temperature of the judges"})
    judge_max_tokens: int = field(default=1024, metadata={"help": "completion budget of one judge verdict"})
    judge_concurrency: int = field(default=16, metadata={"help": "judge requests in flight at once"})
    judge_unparseable: str = field(
        default="fail",
        metadata={"help": "verdict when a judge answer cannot be parsed: `fail` (conservative) or `pass`"},
    )
    judge_api_key_env: str | None = field(
        default=None,
        metadata={
            "help": "NAME of the environment variable holding the judge's API key (never the key itself)"
        },
    )
    cache_dir: str | None = field(
        default=None,
        metadata={
            "help": "directory of cached judge verdicts keyed by the prompt's content hash (default: "
            "OUT/judge_cache; the scripted judge is not cached: it is cheaper than a disk read)"
        },
    )
    max_assistant_turns: int = field(
        default=60, metadata={"help": "drop trajectories with more assistant turns"}
    )
    max_messages: int = field(default=200, metadata={"help": "drop trajectories with more messages"})
    min_user_turns: int = field(default=1, metadata={"help": "drop trajectories with fewer user turns"})
    require_stop: bool = field(
        default=True,
        metadata={"help": "drop trajectories whose last user turn lacks the user agent's ###STOP### signal"},
    )
    give_up_patterns: list[str] = field(
        default_factory=lambda: [
            r"\bnever ?mind\b",
            r"\bforget (it|about it)\b",
            r"\b(let'?s|we can) stop here\b",
            r"\bgive up\b",
            r"\b(taking|takes) too long\b",
            r"\bsort (the rest|it) out myself\b",
            r"\bdo (the rest|it) (myself|another time)\b",
            r"\bnot (been )?helpful\b",
        ],
        metadata={
            "help": "regexes (case-insensitive) that mark the user's final turn as abandoning the goal: "
            "the conversation ended with ###STOP### but the goal was not reached"
        },
    )
    allow_extra_arguments: bool = field(
        default=False,
        metadata={"help": "accept call arguments the tool's schema does not define (default: mask the turn)"},
    )
    max_identical_calls: int = field(
        default=3,
        metadata={
            "help": "an identical call (same tool, same arguments) repeated after it succeeded masks the "
            "repeating turn; more than this many identical calls drops the trajectory (a loop)"
        },
    )
    mask_tool_errors: bool = field(
        default=True,
        metadata={"help": "mask an assistant turn whose call the tool rejected with an error result"},
    )
    check_dates: bool = field(
        default=True,
        metadata={
            "help": "flag absolute dates the assistant invents for relative requests (no date in context)"
        },
    )
    check_leakage: bool = field(
        default=True,
        metadata={"help": "drop trajectories where the assistant uses hidden goal details nobody told it"},
    )
    leak_min_chars: int = field(
        default=4,
        metadata={"help": "hidden-detail values shorter than this are too generic to test for leakage"},
    )
    batch_size: int = field(
        default=256, metadata={"help": "trajectories per processing batch (output flush unit)"}
    )

    def __post_init__(self) -> None:
        unknown = [s for s in self.stages if s not in ALL_STAGES]
        if unknown:
            raise ValueError(f"unknown filter stage(s) {unknown}; choose from {list(ALL_STAGES)}")
        self.stages = [s for s in ALL_STAGES if s in self.stages]
        if self.judge_unparseable not in ("fail", "pass"):
            raise ValueError(f"judge_unparseable must be 'fail' or 'pass', got {self.judge_unparseable!r}")

    @classmethod
    def from_yaml(cls, path: str | Path) -> FilterConfig:
        """Load a recipe; unknown keys are errors naming the file."""
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a mapping of FilterConfig fields")
        data = data.get("filter", data)
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"{path}: unknown filter config key(s) {unknown}; known: {sorted(names)}")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
