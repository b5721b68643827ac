"""Configuration of a synthesis run: one YAML recipe (`recipes/synth/*.yaml`) maps onto `SynthConfig`.

Every field is documented in its `metadata["help"]`; `load_config` rejects unknown keys with the file and
the key path, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from toolmind.llm.config import BackendConfig
from toolmind.synth.vocab import VOCABULARIES

ROLES = ("goal", "user", "assistant", "tool")


@dataclass
class AgentConfig:
    """One agent: its backend/model (any litellm model, a local checkpoint, or the scripted policy)."""

    llm: BackendConfig = field(
        default_factory=BackendConfig,
        metadata={"help": "Backend of this agent (toolmind.llm.BackendConfig: kind, model, api_base, ...)."},
    )
    temperature: float = field(
        default=0.7, metadata={"help": "Sampling temperature of this agent's requests."}
    )
    max_tokens: int = field(default=1024, metadata={"help": "Completion token budget of one request."})
    enable_thinking: bool = field(
        default=True, metadata={"help": "Ask Qwen3-style models to think before answering (assistant agent)."}
    )


@dataclass
class SituationConfig:
    """Shares of the situations tool-use data must teach (scripted agents; each in [0, 1])."""

    min_steps: int = field(default=2, metadata={"help": "Fewest chain steps played in one trajectory."})
    max_steps: int = field(
        default=20,
        metadata={"help": "Most chain steps played (a contiguous window of the chain when shorter)."},
    )
    distractor_share: float = field(
        default=0.6, metadata={"help": "Share of trajectories whose tool list adds unrelated tools."}
    )
    max_distractors: int = field(default=3, metadata={"help": "Most distractor tools added to one record."})
    parallel_share: float = field(
        default=0.3, metadata={"help": "Share of trajectories with one turn of parallel independent calls."}
    )
    multi_step_share: float = field(
        default=0.4,
        metadata={
            "help": "Share of dependent steps asked in the same user turn as their source step "
            "(the assistant chains the calls); the rest are asked as follow-up turns."
        },
    )
    missing_arg_share: float = field(
        default=0.25,
        metadata={
            "help": "Share of trajectories where one request omits a required value and the "
            "assistant asks for it before calling."
        },
    )
    no_tool_share: float = field(
        default=0.3,
        metadata={"help": "Share of trajectories with a request no available tool fits (no call made)."},
    )
    no_tool_first_share: float = field(
        default=0.5, metadata={"help": "Of those, the share where that request is the first user turn."}
    )
    direct_answer_share: float = field(
        default=0.25,
        metadata={
            "help": "Of the no-tool requests, the share that are plain questions the assistant answers "
            "directly (arithmetic, facts); the rest ask for an action no tool offers (declined)."
        },
    )
    topic_question_share: float = field(
        default=0.0,
        metadata={
            "help": "Of the no-tool requests that are not direct answers, the share that are general questions "
            "about an offered tool's subject ('What is the history of hotel reviews?' beside get_hotel_reviews): "
            "the words overlap, the task does not, so the assistant answers without a call."
        },
    )
    optional_arg_prob: float = field(
        default=0.3, metadata={"help": "Probability that the user states a given optional parameter."}
    )
    namespace_share: float = field(
        default=0.0,
        metadata={
            "help": "Share of trajectories whose tools are renamed '<domain>.<name>' (pools with domains only), "
            "as namespaced catalogues spell them; the model learns to call a dotted name in full."
        },
    )
    rename_share: float = field(
        default=0.0,
        metadata={
            "help": "Share of trajectories whose function and parameter names are respelled with synonyms "
            "('get_forecast(city)' -> 'fetch_forecast(location)'), so that a model copies names from the schema "
            "instead of recalling the pool's."
        },
    )
    related_share: float = field(
        default=0.0,
        metadata={
            "help": "Share of distractor sets and declined requests drawn from the same domain as the "
            "trajectory's tools (hard negatives: a near tool that does not do the task) instead of other domains."
        },
    )
    unit_share: float = field(
        default=0.0,
        metadata={
            "help": "Share of numeric values the user states with their unit ('5 years', '28 kg', '$120', "
            "'15%'), where the parameter's name or description gives one; the call still carries the bare number."
        },
    )
    natural_share: float = field(
        default=0.0,
        metadata={
            "help": "Share of stated values said in a natural phrase instead of after their parameter's name "
            "('in Houston', 'for 5 days', 'including the humidity', 'a base of 10' rather than 'the city Houston'), "
            "as real users and benchmark questions say them; the call still carries the exact value."
        },
    )
    offered_request_share: float = field(
        default=0.0,
        metadata={
            "help": "Probability that each distractor tool of a record is also asked for, in a request of its "
            "own at a random point of the conversation (values stated): the same tool list, another right "
            "tool. More choices among tools per conversation, at a fraction of the tokens of a new one."
        },
    )
    question_share: float = field(
        default=0.0,
        metadata={
            "help": "Share of requests for a tool that answers (get, compute, find...) asked as a question "
            "about its result ('What's the release year of Minecraft?', 'Who is the author of ...?') instead of "
            "an imperative; declined requests are asked so too. Without them every wh-question in the data is "
            "one no tool fits, and a small model learns to decline questions."
        },
    )
    instruction_share: float = field(
        default=0.0,
        metadata={
            "help": "Share of the no-tool questions (facts, arithmetic, general questions about an offered "
            "tool's subject) said as instructions instead ('Tell me the history of hotel reviews.', "
            "'Calculate 12 times 7.'), as BFCL words a quarter of its irrelevance entries. Without them "
            "nearly every request the data declines or answers without a call is a question and most calls "
            "follow an instruction, and a small model learns the form: it declined BFCL's relevant questions "
            "and called on its irrelevant instructions. A stable draw per chain and no-tool turn, so a "
            "recipe's other draws stay."
        },
    )
    decline_instruction_share: float = field(
        default=0.0,
        metadata={
            "help": "Of the declined requests for a tool that is not offered which `question_share` asks as "
            "questions, the share said as instructions instead ('Could you get the forecast for Tokyo?' "
            "beside a table-booking tool), so that fewer declines follow a question (64% of the demo's "
            "do, against 24% of its calls). With `topic_question_share` 0.5 as well, the demo's model no "
            "longer judged by the form but judged worse (recipes/README.md): 0 in the recipes. A stable "
            "draw per chain and no-tool turn; the question's draws are still made, so a recipe's other "
            "draws stay."
        },
    )
    of_question_share: float = field(
        default=0.0,
        metadata={
            "help": "Of the requests asked as questions (`question_share`), the share that say their first "
            "value after 'of', as people ask ('Who was the inventor of the telephone?', 'What was the "
            "population of California in 1970?'), instead of by parameter ('... for the invention "
            "telephone?'). Declined questions are asked so too. Without them the data's relevant questions "
            "read like forms, and a small model declined BFCL's knowledge questions that a tool answers."
        },
    )
    quantity_unit_share: float = field(
        default=0.0,
        metadata={
            "help": "Share of numbers for a parameter named after a measured quantity but no unit (base, "
            "height, mass, charge, temperature) said with a unit all the same, half the time glued ('6cm', "
            "'300 K', '150lbs'); the call keeps the bare number. Needs unit_share > 0."
        },
    )
    natural_date_share: float = field(
        default=0.0,
        metadata={
            "help": "Share of ISO dates in requests said as people write them ('March 11, 2022', '11th March "
            "2022', 'Mar 11, 2022', '2022/03/11'); the call keeps the ISO date. BFCL's questions write dates "
            "so, and expect the ISO date in the call."
        },
    )
    value_vocabulary: str = field(
        default="basic",
        metadata={
            "help": "Word pools the user's values come from: 'basic' (twenty cities, ten topics: a small model "
            "learns to recall them) or 'wide' (thousands of real place and person names, English words and "
            "phrases from the faker package's data, numbers of every magnitude, lists of 2-5 items), so that "
            "a value can only be copied from the request."
        },
    )
    place_region_share: float = field(
        default=0.0,
        metadata={
            "help": "Share of place values (city, location, destination...) drawn as a real place with its "
            "state, province or country ('Denver, Colorado', 'Denver, CO', 'Lyon, France'), said so and "
            "copied whole into the call: without commas in the data a small model cuts a place at its comma."
        },
    )
    large_amount_share: float = field(
        default=0.0,
        metadata={
            "help": "Share of money and count values (amount, price, cost, income, population...) drawn in "
            "thousands, millions or billions and said as people write them ('12,000', '2.5 million', "
            "'$1.2M'); the call carries the whole number (12000, 2500000, 1200000)."
        },
    )
    single_item_share: float = field(
        default=0.0,
        metadata={
            "help": "Share of list values with one item ('specializing in criminal law' -> "
            "['criminal law']); the others have 2-3. Without them a small model writes a lone item as a "
            "string where the schema asks for a list."
        },
    )
    qualifier_share: float = field(
        default=0.0,
        metadata={
            "help": "Share of the naturally said values of a kind, type, category, status, level or mode "
            "parameter said before the thing they qualify ('search thai restaurants', 'a comfort ride', "
            "'list frozen cards'), of units, priorities and formats said as people say them ('in metric "
            "units', 'with high priority', 'in pdf format'), of lists of options ('avoiding tolls and "
            "ferries', 'including the elevation and prominence') and of flags turned on ('allowing transfers', "
            "'in detail', 'with equal variance'); the rest as before ('the cuisine thai')."
        },
    )
    flag_share: float = field(
        default=0.0,
        metadata={
            "help": "Share of the flags (boolean parameters) the user states that are turned on, each said "
            "by what it turns on where a phrase fits ('that are open now', 'including the archived', 'with "
            "equal variance'), as BFCL's requests state flags: true in every entry whose answer needs one, "
            "never the word 'true'. 0 draws flags true or false at even odds and says them as other values. "
            "Drawn from a stream of their own, so the rest of the data is drawn as without it (bar a "
            "parallel request that varies a flag: its draws follow the flag's value)."
        },
    )
    described_values: bool = field(
        default=False,
        metadata={
            "help": "Draw text values of the kind a parameter's name says (a cuisine 'thai', a symptom "
            "'headache', a time zone 'Europe/Paris', a month '2025-03' when the description says YYYY-MM) and "
            "codes shaped like the description's example ('Sheet1!A1:D20'), where the rules before made up a "
            "code like 'coral-30' that reads like no request."
        },
    )
    paraphrase_share: float = field(
        default=0.0,
        metadata={
            "help": "Share of user requests that name the task in other words than the tool's description "
            "(a synonym verb, the description's head, or the tool's name in words), so that a model learns to "
            "match a request to a tool by meaning, not by copying the description's wording."
        },
    )


# Situation fields added after recipes had finished runs, with the default that draws what was drawn
# before: left out of the content hash at that default.
_ADDED_LATER: dict[str, object] = {
    "value_vocabulary": "basic",
    "question_share": 0.0,
    "offered_request_share": 0.0,
    "place_region_share": 0.0,
    "large_amount_share": 0.0,
    "single_item_share": 0.0,
    "described_values": False,
    "qualifier_share": 0.0,
    "of_question_share": 0.0,
    "quantity_unit_share": 0.0,
    "natural_date_share": 0.0,
    "instruction_share": 0.0,
    "decline_instruction_share": 0.0,
    "flag_share": 0.0,
}


@dataclass
class ErrorConfig:
    """Deliberate defects, so the filters have real work (scripted assistant/user only)."""

    turn_error_share: float = field(
        default=0.15,
        metadata={
            "help": "Share of trajectories with one injected bad assistant turn, followed by the tool's "
            "error (or the user's correction) and a self-correction."
        },
    )
    kinds: dict[str, float] = field(
        default_factory=lambda: {
            "wrong_type": 1.0,
            "missing_required": 1.0,
            "wrong_tool": 1.0,
            "invented_date": 1.0,
        },
        metadata={
            "help": "Relative weights of injected error kinds: wrong_type, missing_required, wrong_tool, "
            "invented_date (a made-up absolute date for 'tomorrow')."
        },
    )
    user_gives_up_share: float = field(
        default=0.03,
        metadata={
            "help": "Share of trajectories where the user stops before the goal is reached "
            "(meta.injected_trajectory_defects: user_gave_up)."
        },
    )
    hidden_leak_share: float = field(
        default=0.03,
        metadata={
            "help": "Share of trajectories where the assistant uses a value the user never said "
            "(meta.injected_trajectory_defects: hidden_detail_leak)."
        },
    )


@dataclass
class SynthConfig:
    """A synthesis run: chains in, trajectories out."""

    seed: int = field(
        default=0, metadata={"help": "Seed; each trajectory's randomness derives from (seed, chain id)."}
    )
    chains: str | None = field(
        default=None,
        metadata={
            "help": "JSONL of chains (`toolmind graph sample` output). Unset: sample `num_chains` chains "
            "from the graph of `tools` (the embedded default pool when unset)."
        },
    )
    tools: str | None = field(
        default=None,
        metadata={"help": "JSONL of tool specs the chains name. Unset: the embedded default pool."},
    )
    num_chains: int = field(default=200, metadata={"help": "Chains to sample when `chains` is unset."})
    graph: dict[str, Any] = field(
        default_factory=dict,
        metadata={
            "help": "Graph options (toolmind.graph.config.GraphConfig fields, e.g. embedder) used when "
            "`chains` is unset."
        },
    )
    sample: dict[str, Any] = field(
        default_factory=dict,
        metadata={
            "help": "Chain-sampling options (toolmind.graph.config.ChainConfig fields, e.g. min_length, "
            "max_length) used when `chains` is unset."
        },
    )
    concurrency: int = field(default=16, metadata={"help": "Most trajectories in flight at once."})
    timeout_s: float = field(
        default=600.0, metadata={"help": "Wall-clock limit of one trajectory in seconds."}
    )
    max_turns: int = field(default=40, metadata={"help": "Most messages (all roles) in one trajectory."})
    max_tokens: int = field(
        default=200_000, metadata={"help": "Most prompt+completion tokens spent on one trajectory."}
    )
    max_calls_per_turn: int = field(
        default=8,
        metadata={"help": "Most consecutive assistant tool-call rounds before the user speaks again."},
    )
    agents: dict[str, AgentConfig] = field(
        default_factory=lambda: {
            r: AgentConfig(llm=BackendConfig(kind="scripted", model=f"{r}-v1")) for r in ROLES
        },
        metadata={"help": "Agents by role: goal, user, assistant, tool."},
    )
    situations: SituationConfig = field(
        default_factory=SituationConfig, metadata={"help": "Situation shares."}
    )
    errors: ErrorConfig = field(default_factory=ErrorConfig, metadata={"help": "Injected defects."})

    def content_hash(self) -> str:
        """Hash of everything that shapes trajectory content (not concurrency, timeouts or I/O)."""
        data = to_dict(self)
        for key in ("concurrency", "timeout_s"):
            data.pop(key, None)
        # Configs written before a field existed keep their hash (and their finished runs).
        for name, default in _ADDED_LATER.items():
            if data["situations"].get(name) == default:
                del data["situations"][name]
        for agent in data["agents"].values():
            for key in (
                "concurrency",
                "timeout_s",
                "max_retries",
                "backoff_base_s",
                "backoff_max_s",
                "cache_dir",
                "api_key_env",
                "batch_size",
                "device",
            ):
                agent["llm"].pop(key, None)
        # Input files by content, not path: the same chains elsewhere are the same run, and a chains file
        # rewritten in place is not (a resume must not mix trajectories of two chain sets).
        for key in ("chains", "tools"):
            path = Path(data[key]) if isinstance(data.get(key), str) else None
            if path is not None and path.is_file():
                data[key] = {"sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
        blob = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def to_dict(cfg: Any) -> dict[str, Any]:
    """The resolved config as plain data (for manifests)."""
    return dataclasses.asdict(cfg)


def _build(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected a mapping for {cls.__name__}, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {unknown} for {cls.__name__}; known: {sorted(fields)}")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        key = f"{where}.{name}"
        if name == "agents":
            unknown_roles = sorted(set(value) - set(ROLES))
            if unknown_roles:
                raise ValueError(f"{key}: unknown role(s) {unknown_roles}; roles: {list(ROLES)}")
            agents = SynthConfig().agents
            agents.update({r: _build(AgentConfig, v, f"{key}.{r}") for r, v in value.items()})
            kwargs[name] = agents
        elif name == "llm":
            kwargs[name] = _build(BackendConfig, value, key)
        elif name == "situations":
            kwargs[name] = _build(SituationConfig, value, key)
        elif name == "errors":
            kwargs[name] = _build(ErrorConfig, value, key)
        else:
            kwargs[name] = value
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: {exc}") from exc


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """`over` on top of `base`; nested mappings merge key by key, anything else is replaced."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _read_recipe(p: Path, seen: tuple[Path, ...]) -> tuple[dict[str, Any], list[Path]]:
    """A recipe's mapping with its `base:` chain applied, and the files it was read from (base first)."""
    if p.resolve() in seen:
        raise ValueError(f"{p}: `base` chain loops back to {p}")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{p}: cannot read synthesis config: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{p}: a synthesis config is a mapping, got {type(data).__name__}")
    base = data.pop("base", None)
    if base is None:
        return data, [p]
    if not isinstance(base, str):
        raise ValueError(f"{p}: `base` must be a path to another recipe, got {base!r}")
    parent, files = _read_recipe(p.parent / base, (*seen, p.resolve()))
    return _merge(parent, data), [*files, p]


def config_files(path: str | Path) -> list[Path]:
    """Every file a recipe is read from: its `base:` chain, then itself (a pipeline hashes them all)."""
    return _read_recipe(Path(path), ())[1]


def load_config(path: str | Path) -> SynthConfig:
    """Read a synthesis recipe; errors name the file and the key.

    `base: other.yaml` (relative to the recipe) starts from another recipe and overrides only the keys
    given, nested sections key by key: an ablation's recipe states what it changes, nothing else."""
    p = Path(path)
    data, _files = _read_recipe(p, ())
    cfg = _build(SynthConfig, data, str(p))
    validate_config(cfg, str(p))
    return cfg


def validate_config(cfg: SynthConfig, where: str = "config") -> None:
    """Range checks with messages naming the field."""
    s = cfg.situations
    for name in (
        "distractor_share",
        "parallel_share",
        "multi_step_share",
        "missing_arg_share",
        "no_tool_share",
        "no_tool_first_share",
        "direct_answer_share",
        "optional_arg_prob",
        "namespace_share",
        "unit_share",
        "paraphrase_share",
        "natural_share",
        "rename_share",
        "related_share",
        "topic_question_share",
        "question_share",
        "offered_request_share",
        "place_region_share",
        "large_amount_share",
        "single_item_share",
        "qualifier_share",
        "of_question_share",
        "quantity_unit_share",
        "natural_date_share",
        "instruction_share",
        "decline_instruction_share",
        "flag_share",
    ):
        value = getattr(s, name)
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{where}: situations.{name} must be in [0, 1], got {value}")
    if not isinstance(s.described_values, bool):
        raise ValueError(
            f"{where}: situations.described_values must be true or false, got {s.described_values!r}"
        )
    if s.value_vocabulary not in VOCABULARIES:
        raise ValueError(
            f"{where}: situations.value_vocabulary must be one of {', '.join(VOCABULARIES)}, "
            f"got {s.value_vocabulary!r}"
        )
    if not 1 <= s.min_steps <= s.max_steps:
        raise ValueError(f"{where}: need 1 <= situations.min_steps <= situations.max_steps")
    e = cfg.errors
    for name in ("turn_error_share", "user_gives_up_share", "hidden_leak_share"):
        value = getattr(e, name)
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{where}: errors.{name} must be in [0, 1], got {value}")
    bad = sorted(set(e.kinds) - {"wrong_type", "missing_required", "wrong_tool", "invented_date"})
    if bad:
        raise ValueError(f"{where}: errors.kinds has unknown kind(s) {bad}")
    if cfg.concurrency < 1 or cfg.max_turns < 2 or cfg.timeout_s <= 0:
        raise ValueError(f"{where}: need concurrency >= 1, max_turns >= 2, timeout_s > 0")
