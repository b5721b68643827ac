"""Episode building: which chain steps the user asks for in which request, and in which situation.

`EpisodeBuilder` owns the trajectory's RNG (`random.Random(f"{seed}|{chain.id}")`); `toolmind.synth.plan`
drives it and lays the episodes out as a script.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

from toolmind.schema import Chain, ToolSpec
from toolmind.synth import namespace, offtopic
from toolmind.synth import phrases as ph
from toolmind.synth.config import SynthConfig
from toolmind.synth.script import DATE, Episode, PlannedCall
from toolmind.synth.values import norm_type, sample_value, say, words
from toolmind.synth.vocab import vocabulary

_GENERIC = {
    "get",
    "list",
    "search",
    "find",
    "create",
    "update",
    "delete",
    "check",
    "set",
    "add",
    "remove",
    "fetch",
    "lookup",
    "calculate",
    "send",
    "by",
    "for",
    "the",
    "a",
    "of",
    "info",
    "details",
    "to",
    "and",
    "new",
    "all",
    "status",
    "data",
    "api",
    "v1",
    "v2",
}


def output_field(tool: ToolSpec, name: str) -> dict[str, Any] | None:
    """The schema of output field `name` anywhere in the tool's `returns` (depth-first), or None."""
    stack: list[Any] = [tool.returns or {}]
    while stack:
        schema = stack.pop()
        if not isinstance(schema, dict):
            continue
        props = schema.get("properties") or {}
        if isinstance(props.get(name), dict):
            return dict(props[name])
        stack.extend(props.values())
        stack.append(schema.get("items"))
    return None


def linkable(source: dict[str, Any] | None, target: dict[str, Any]) -> bool:
    """Whether values of output schema `source` are valid for input schema `target`."""
    if source is None:
        return False
    target_enum, source_enum = target.get("enum"), source.get("enum")
    if isinstance(target_enum, list) and target_enum:
        return (
            isinstance(source_enum, list)
            and bool(source_enum)
            and set(map(str, source_enum)) <= set(map(str, target_enum))
        )
    s, t = norm_type(source), norm_type(target)
    if s is None or t is None or s == t or (s, t) == ("integer", "number"):
        return True
    return t == "string" and s in ("integer", "number")


_RANGE = [
    ("start", "end"),
    ("check_in", "check_out"),
    ("departure", "return"),
    ("pickup", "dropoff"),
    ("from", "to"),
    ("min", "max"),
]


def _order_ranges(stated: dict[str, Any]) -> None:
    """Swap values of paired parameters (start/end dates, min/max) that came out in the wrong order."""
    for a, b in _RANGE:
        for key in list(stated):
            if a not in key:
                continue
            other = key.replace(a, b)
            x, y = stated.get(key), stated.get(other)
            if other in stated and type(x) is type(y) and isinstance(x, str | int | float) and x > y:  # type: ignore[operator]
                stated[key], stated[other] = y, x


_GROUPS: dict[
    tuple[int, int], tuple[list[ToolSpec], dict[str, str], list[tuple[str | None, list[ToolSpec]]]]
] = {}


def _pool_by_domain(pool: list[ToolSpec], domains: dict[str, str]) -> list[tuple[str | None, list[ToolSpec]]]:
    """The pool grouped by domain, in pool order; computed once per (pool, domains) object pair."""
    key = (id(pool), id(domains))
    hit = _GROUPS.get(key)
    if hit is not None and hit[0] is pool and hit[1] is domains:
        return hit[2]
    groups: dict[str | None, list[ToolSpec]] = {}
    for tool in pool:
        groups.setdefault(domains.get(tool.function.name), []).append(tool)
    grouped = list(groups.items())
    if len(_GROUPS) > 8:
        _GROUPS.clear()
    _GROUPS[key] = (pool, domains, grouped)
    return grouped


def _domain_tokens(name: str) -> set[str]:
    return {w for w in words(name) if w not in _GENERIC}


class EpisodeBuilder:
    def __init__(
        self,
        chain: Chain,
        specs: dict[str, ToolSpec],
        pool: list[ToolSpec],
        cfg: SynthConfig,
        domains: dict[str, str] | None,
    ) -> None:
        self.chain, self.specs, self.pool, self.cfg, self.domains = chain, specs, pool, cfg, domains
        self.s, self.e = cfg.situations, cfg.errors
        self.rng = random.Random(f"{cfg.seed}|{chain.id}")
        # Flags have a stream of their own (`situations.flag_share`): turning them on and saying them by
        # what they turn on changes those values and phrases, not the rest of what the plan draws.
        self.flag_rng = random.Random(f"{cfg.seed}|{chain.id}|flags")
        self.vocab = dataclasses.replace(
            vocabulary(cfg.situations.value_vocabulary),
            region_share=cfg.situations.place_region_share,
            amount_share=cfg.situations.large_amount_share,
            single_item_share=cfg.situations.single_item_share,
            described=cfg.situations.described_values,
        )
        self.n_calls = 0
        self.n_no_tool = 0
        self.situations: list[str] = []

    def tag(self, tag: str) -> None:
        if tag not in self.situations:
            self.situations.append(tag)

    def _next_id(self) -> str:
        self.n_calls += 1
        return f"call_{self.n_calls}"

    def unrelated(self, names: list[str]) -> list[ToolSpec]:
        """Pool tools from other domains than `names` (by the pool's domain table, else by name words)."""
        if self.domains:
            taken = {self.domains.get(n) for n in names}
            by_domain = _pool_by_domain(self.pool, self.domains)
            return [
                t for d, tools in by_domain for t in tools if d not in taken and t.function.name not in names
            ]
        tokens = set().union(*(_domain_tokens(n) for n in names)) if names else set()
        return [t for t in self.pool if t.name not in names and not (_domain_tokens(t.name) & tokens)]

    def related(self, names: list[str]) -> list[ToolSpec]:
        """Pool tools from the same domains as `names`, other than `names` (empty without a domain
        table): near tools that do not do the task, the hard negatives BFCL offers."""
        if not self.domains:
            return []
        taken = {self.domains.get(n) for n in names} - {None}
        return [
            t
            for t in self.pool
            if self.domains.get(t.function.name) in taken and t.function.name not in names
        ]

    def negatives(self, names: list[str]) -> list[ToolSpec]:
        """Tools that do not fit a request for `names`: same-domain ones with probability related_share
        (when there are any), else other domains'. No draw at all when related_share is 0, so that configs
        without it synthesise exactly what they did before."""
        if self.s.related_share > 0 and self.rng.random() < self.s.related_share:
            near = self.related(names)
            if near:
                return near
        return self.unrelated(names)

    # -- chain window and calls ----------------------------------------------------------------------

    def window(self) -> tuple[list[str], dict[int, dict[str, tuple[int, str]]]]:
        tools = self.chain.tools
        hi = min(self.s.max_steps, len(tools))
        length = self.rng.randint(min(self.s.min_steps, hi), hi)
        start = self.rng.randint(0, len(tools) - length)
        names = tools[start : start + length]
        links: dict[int, dict[str, tuple[int, str]]] = {}
        for link in self.chain.links:
            src, dst = link.src - start, link.dst - start
            if not (0 <= src < dst < length):
                continue
            props = self.specs[names[dst]].function.parameters.get("properties", {})
            target = props.get(link.dst_param)
            source = output_field(self.specs[names[src]], link.src_param)
            # a link whose values cannot be valid for the input (enum, type) is not data flow the user
            # would rely on: the parameter is stated by the user instead
            if isinstance(target, dict) and linkable(source, target):
                links.setdefault(dst, {}).setdefault(link.dst_param, (src, link.src_param))
        return names, links

    def planned_call(self, step: int, tool: str, linked: dict[str, tuple[int, str]]) -> PlannedCall:
        params = self.specs[tool].function.parameters
        required = set(params.get("required", []))
        stated: dict[str, Any] = {}
        for name, schema in (params.get("properties") or {}).items():
            if name in linked:
                continue
            if name in required or self.rng.random() < self.s.optional_arg_prob:
                schema = schema if isinstance(schema, dict) else {}
                stated[name] = sample_value(name, schema, self.rng, vocab=self.vocab)
                if self.s.flag_share > 0 and isinstance(stated[name], bool):
                    stated[name] = self.flag_rng.random() < self.s.flag_share
        _order_ranges(stated)
        return PlannedCall(self._next_id(), tool, step, stated, dict(linked))

    def variant(self, call: PlannedCall) -> PlannedCall | None:
        """The same tool with one stated value changed (a parallel "same tool, two values" request)."""
        params = self.specs[call.tool].function.parameters
        props = params.get("properties", {})
        required = [p for p in params.get("required", []) if p in call.stated and "id" not in words(p)]
        rest = [p for p in call.stated if p not in required]
        for name in self.rng.sample(required, len(required)) + self.rng.sample(rest, len(rest)):
            for _ in range(5):
                value = sample_value(name, props.get(name, {}), self.rng, vocab=self.vocab)
                if value != call.stated[name]:
                    return PlannedCall(self._next_id(), call.tool, call.step, {**call.stated, name: value})
        return None

    # -- episodes ------------------------------------------------------------------------------------

    def episodes(self, names: list[str], links: dict[int, dict[str, tuple[int, str]]]) -> list[Episode]:
        calls = [self.planned_call(i, t, links.get(i, {})) for i, t in enumerate(names)]
        want_parallel = self.rng.random() < self.s.parallel_share
        eps: list[Episode] = []
        i = 0
        while i < len(calls):
            c = calls[i]
            nxt = calls[i + 1] if i + 1 < len(calls) else None
            if want_parallel and not c.linked:
                if nxt is not None and not nxt.linked and nxt.tool != c.tool:
                    eps.append(Episode("parallel", [c, nxt]))
                    want_parallel = False
                    i += 2
                    continue
                var = self.variant(c) if c.stated else None
                if var is not None:
                    eps.append(Episode("parallel", [c, var]))
                    want_parallel = False
                    i += 1
                    continue
            linked_next = nxt is not None and any(src == i for src, _ in nxt.linked.values())
            if nxt is not None and linked_next and self.rng.random() < self.s.multi_step_share:
                eps.append(Episode("multi", [c, nxt]))
                i += 2
                continue
            eps.append(Episode("single", [c]))
            i += 1
        return eps

    def _instruction(self) -> bool:
        """Whether the next no-tool question is said as an instruction (`situations.instruction_share`): a
        stable draw per chain and no-tool turn outside the builder's generator, so that a recipe's other
        draws stay and runs with and without it pair turn for turn."""
        self.n_no_tool += 1
        return namespace.chosen(
            self.cfg.seed, self._no_tool_key(), self.s.instruction_share, salt="instruction"
        )

    def _no_tool_key(self) -> str:
        """The current no-tool turn's key for stable draws outside the generator."""
        return f"{self.chain.id}:{self.n_no_tool}"

    def no_tool_episode(self, record: list[ToolSpec]) -> Episode:
        instruction = self._instruction()
        if self.rng.random() < self.s.direct_answer_share:
            q, a = offtopic.question(self.rng, instruction)
            return Episode(
                "no_tool",
                [],
                request=q,
                reply=(ph.direct_answer_reasoning(self.rng), a),
                no_tool_kind="direct_answer",
            )
        if self.s.topic_question_share > 0 and self.rng.random() < self.s.topic_question_share:
            near = [(t, s) for t in record if (s := offtopic.subject(t.name))]
            if near:
                tool, subject = self.rng.choice(near)
                q, reasoning, content = offtopic.topic_question(
                    subject, tool.name, ph.task_phrase(tool), self.rng, instruction
                )
                return Episode(
                    "no_tool", [], request=q, reply=(reasoning, content), no_tool_kind="topic_question"
                )
        options = self.negatives([t.name for t in record])
        if not options:
            q, a = offtopic.question(self.rng, instruction)
            return Episode(
                "no_tool",
                [],
                request=q,
                reply=(ph.direct_answer_reasoning(self.rng), a),
                no_tool_kind="direct_answer",
            )
        other = self.rng.choice(options)
        task = ph.spoken_task(other, self.rng, self.s.paraphrase_share)
        props = other.function.parameters.get("properties") or {}
        pairs = [
            (
                ph.param_phrase(n, props[n], self.rng),
                say(sample_value(n, props[n], self.rng, vocab=self.vocab)),
            )
            for n in other.function.parameters.get("required", [])
            if isinstance(props.get(n), dict)
        ]
        text = None
        if self.s.question_share > 0 and self.rng.random() < self.s.question_share:
            # Asked as a question too, so that the form of a request never tells whether a tool fits.
            text = ph.result_question(
                other, "", pairs, self.rng, ph.result_fields(record), of_share=self.s.of_question_share
            )
            key = self._no_tool_key()
            # Only a request that was asked as a question: one whose tool has no question form (an
            # action: `text` is None) is worded below from the chain's generator, as before.
            if text and namespace.chosen(
                self.cfg.seed, key, self.s.decline_instruction_share, salt="decline-instruction"
            ):
                # The question's draws were made all the same and the instruction's words come from a
                # generator of its own, so every later draw of the chain stays.
                text = ph.request(task, pairs, random.Random(f"decline-instruction|{self.cfg.seed}|{key}"))
        return Episode(
            "no_tool",
            [],
            request=text or ph.request(task, pairs, self.rng),
            reply=ph.decline(task, self.rng),
            no_tool_kind="decline",
        )

    def distractors(self, names: list[str]) -> list[ToolSpec]:
        if self.rng.random() >= self.s.distractor_share or self.s.max_distractors < 1:
            return []
        options = self.negatives(names)
        k = min(len(options), self.rng.randint(1, self.s.max_distractors))
        return self.rng.sample(options, k) if k else []

    def inject_kinds(self, ep: Episode, record: list[ToolSpec]) -> list[str]:
        c = ep.calls[0]
        spec = self.specs[c.tool]
        props = spec.function.parameters.get("properties", {})
        ok = []
        if c.stated:
            ok.append("wrong_type")
        if spec.function.parameters.get("required"):
            ok.append("missing_required")
        if any(t.name != c.tool for t in record):
            ok.append("wrong_tool")
        if any(
            isinstance(v, str) and DATE.match(v) and norm_type(props.get(k, {})) == "string"
            for k, v in c.stated.items()
        ):
            ok.append("invented_date")
        return [k for k in ok if self.e.kinds.get(k, 0.0) > 0]
