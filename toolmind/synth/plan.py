"""The scripted plan of one trajectory: which requests the user makes, in which situations, and what the
scripted assistant does in reply.

`build_plan` turns a chain into episodes (one user request each: a single call, parallel calls, a
dependent multi-step request, a follow-up that uses an earlier output, a request no tool fits), decides the
situations and injected defects from the configured shares, and lays the conversation out as a script of
user lines and assistant acts. All randomness comes from `random.Random(f"{seed}|{chain.id}")`, so a plan
depends on (seed, chain, tools, config) only, never on scheduling, sharding or resumption.

Tool outputs are not known here: the scripted assistant resolves linked arguments and summaries at run
time from the actual tool results in the conversation (`toolmind.synth.scripted`).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from toolmind.schema import Chain, ChainLink, ToolSpec
from toolmind.synth import offtopic
from toolmind.synth import phrases as ph
from toolmind.synth.config import SynthConfig
from toolmind.synth.values import norm_type, phrase, sample_value, say, words

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
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class PlannedCall:
    """One intended tool call: the values the user states plus arguments fed by earlier outputs."""

    call_id: str
    tool: str
    step: int
    stated: dict[str, Any]
    linked: dict[str, tuple[int, str]] = field(default_factory=dict)  # param -> (source step, output field)


@dataclass
class Act:
    """One scripted assistant message."""

    kind: str  # call | summary | ask | decline | answer
    calls: list[PlannedCall] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)  # tool-call ids used by this message (call) or summarised
    reasoning: str = ""
    content: str = ""
    inject: str | None = None  # this message carries an injected error of this kind
    inject_param: str | None = None
    inject_value: Any = None
    inject_tool: str | None = None
    fixes: str | None = None  # this call corrects an injected error of this kind


@dataclass
class Line:
    """One scripted user message."""

    text: str


@dataclass
class Plan:
    trajectory_id: str
    key: str  # "<seed>|<chain id>": the root of every derived RNG
    chain: Chain
    seed: int
    tools: list[ToolSpec]  # the record's tool list, in prompt order
    items: list[Line | Act]
    goal: str
    hidden_details: list[dict[str, Any]]
    situations: list[str]
    defects: list[str]
    step_calls: dict[int, str]  # chain step -> id of its successful call
    step_tools: dict[int, str]
    links: list[ChainLink] = field(default_factory=list)  # data flow inside the played window

    @property
    def lines(self) -> list[Line]:
        return [x for x in self.items if isinstance(x, Line)]

    @property
    def acts(self) -> list[Act]:
        return [x for x in self.items if isinstance(x, Act)]

    def tool_map(self) -> dict[str, ToolSpec]:
        return {t.name: t for t in self.tools}


def trajectory_id(seed: int, chain_id: str) -> str:
    return f"syn-{seed}-{chain_id}"


def _domain_tokens(name: str) -> set[str]:
    return {w for w in words(name) if w not in _GENERIC}


@dataclass
class _Episode:
    kind: str  # single | parallel | multi | no_tool
    calls: list[PlannedCall]
    missing: str | None = None
    leak: bool = False
    inject: str | None = None
    request: str = ""  # no_tool episodes
    reply: tuple[str, str] = ("", "")  # no_tool episodes: (reasoning, content)
    no_tool_kind: str = ""


class _Builder:
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
        self.n_calls = 0
        self.situations: list[str] = []

    def _tag(self, tag: str) -> None:
        if tag not in self.situations:
            self.situations.append(tag)

    def _next_id(self) -> str:
        self.n_calls += 1
        return f"call_{self.n_calls}"

    def unrelated(self, names: list[str]) -> list[ToolSpec]:
        """Pool tools from other domains than `names` (by the pool's domain table, else by name words)."""
        if self.domains:
            taken = {self.domains.get(n) for n in names}
            return [t for t in self.pool if t.name not in names and self.domains.get(t.name) not in taken]
        tokens = set().union(*(_domain_tokens(n) for n in names)) if names else set()
        return [t for t in self.pool if t.name not in names and not (_domain_tokens(t.name) & tokens)]

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
            if link.dst_param in props:
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
                stated[name] = sample_value(name, schema if isinstance(schema, dict) else {}, self.rng)
        return PlannedCall(self._next_id(), tool, step, stated, dict(linked))

    def variant(self, call: PlannedCall) -> PlannedCall | None:
        """The same tool with one stated value changed (a parallel "same tool, two values" request)."""
        params = self.specs[call.tool].function.parameters
        props = params.get("properties", {})
        required = [p for p in params.get("required", []) if p in call.stated and "id" not in words(p)]
        rest = [p for p in call.stated if p not in required]
        for name in self.rng.sample(required, len(required)) + self.rng.sample(rest, len(rest)):
            for _ in range(5):
                value = sample_value(name, props.get(name, {}), self.rng)
                if value != call.stated[name]:
                    return PlannedCall(self._next_id(), call.tool, call.step, {**call.stated, name: value})
        return None

    # -- episodes ------------------------------------------------------------------------------------

    def episodes(self, names: list[str], links: dict[int, dict[str, tuple[int, str]]]) -> list[_Episode]:
        calls = [self.planned_call(i, t, links.get(i, {})) for i, t in enumerate(names)]
        want_parallel = self.rng.random() < self.s.parallel_share
        eps: list[_Episode] = []
        i = 0
        while i < len(calls):
            c = calls[i]
            nxt = calls[i + 1] if i + 1 < len(calls) else None
            if want_parallel and not c.linked:
                if nxt is not None and not nxt.linked and nxt.tool != c.tool:
                    eps.append(_Episode("parallel", [c, nxt]))
                    want_parallel = False
                    i += 2
                    continue
                var = self.variant(c) if c.stated else None
                if var is not None:
                    eps.append(_Episode("parallel", [c, var]))
                    want_parallel = False
                    i += 1
                    continue
            linked_next = nxt is not None and any(src == i for src, _ in nxt.linked.values())
            if nxt is not None and linked_next and self.rng.random() < self.s.multi_step_share:
                eps.append(_Episode("multi", [c, nxt]))
                i += 2
                continue
            eps.append(_Episode("single", [c]))
            i += 1
        return eps

    def no_tool_episode(self, record: list[ToolSpec]) -> _Episode:
        if self.rng.random() < self.s.direct_answer_share:
            q, a = offtopic.question(self.rng)
            return _Episode(
                "no_tool",
                [],
                request=q,
                reply=(ph.direct_answer_reasoning(self.rng), a),
                no_tool_kind="direct_answer",
            )
        options = self.unrelated([t.name for t in record])
        if not options:
            q, a = offtopic.question(self.rng)
            return _Episode(
                "no_tool",
                [],
                request=q,
                reply=(ph.direct_answer_reasoning(self.rng), a),
                no_tool_kind="direct_answer",
            )
        other = self.rng.choice(options)
        task = ph.task_phrase(other)
        props = other.function.parameters.get("properties") or {}
        pairs = [
            (ph.param_phrase(n, props[n], self.rng), say(sample_value(n, props[n], self.rng)))
            for n in other.function.parameters.get("required", [])
            if isinstance(props.get(n), dict)
        ]
        return _Episode(
            "no_tool",
            [],
            request=ph.request(task, pairs, self.rng),
            reply=ph.decline(task, self.rng),
            no_tool_kind="decline",
        )

    def distractors(self, names: list[str]) -> list[ToolSpec]:
        if self.rng.random() >= self.s.distractor_share or self.s.max_distractors < 1:
            return []
        options = self.unrelated(names)
        k = min(len(options), self.rng.randint(1, self.s.max_distractors))
        return self.rng.sample(options, k) if k else []

    def inject_kinds(self, ep: _Episode, record: list[ToolSpec]) -> list[str]:
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
            isinstance(v, str) and _DATE.match(v) and norm_type(props.get(k, {})) == "string"
            for k, v in c.stated.items()
        ):
            ok.append("invented_date")
        return [k for k in ok if self.e.kinds.get(k, 0.0) > 0]


def build_plan(
    chain: Chain,
    specs: dict[str, ToolSpec],
    pool: list[ToolSpec],
    cfg: SynthConfig,
    domains: dict[str, str] | None = None,
) -> Plan:
    """The deterministic plan of the trajectory for `chain` (see the module docstring).

    Args:
        chain: the chain to play.
        specs: tool specs by name (must cover every tool of the chain).
        pool: the whole pool, where distractors and off-topic requests come from.
        cfg: the run's config (seed, situation shares, injected errors).
        domains: tool name -> domain, when the pool has one (else unrelated = no shared name words).
    """
    missing = [t for t in chain.tools if t not in specs]
    if missing:
        raise ValueError(f"chain {chain.id!r}: tool(s) {missing} are not in the tool pool")
    b = _Builder(chain, specs, pool, cfg, domains)
    rng = b.rng
    names, links = b.window()
    eps = b.episodes(names, links)
    record_names = list(dict.fromkeys(names))
    extra = b.distractors(record_names)
    record = [specs[n] for n in record_names] + extra
    rng.shuffle(record)
    if extra:
        b._tag("distractors")

    singles = [ep for ep in eps if ep.kind == "single"]
    leak = rng.random() < b.e.hidden_leak_share
    if leak or rng.random() < b.s.missing_arg_share:
        options = [ep for ep in singles if _askable(ep.calls[0], specs)]
        if options:
            ep = rng.choice(options)
            ep.missing = rng.choice(_askable(ep.calls[0], specs))
            ep.leak = leak
    if rng.random() < b.e.turn_error_share:
        possible = {id(ep): b.inject_kinds(ep, record) for ep in singles if ep.missing is None}
        kinds = sorted({k for ks in possible.values() for k in ks})
        if kinds:
            configured = [k for k, w in sorted(b.e.kinds.items()) if w > 0]
            kind = rng.choices(configured, weights=[b.e.kinds[k] for k in configured])[0]
            if kind not in kinds:  # not possible in this trajectory: pick among the possible ones
                kind = rng.choices(kinds, weights=[b.e.kinds[k] for k in kinds])[0]
            ep = rng.choice([ep for ep in singles if kind in possible.get(id(ep), [])])
            ep.inject = kind
    gives_up = rng.random() < b.e.user_gives_up_share and len(eps) >= 2
    if rng.random() < b.s.no_tool_share:
        pos = 0 if rng.random() < b.s.no_tool_first_share else rng.randint(1, len(eps))
        eps.insert(pos, b.no_tool_episode(record))
    cut = rng.randint(1, len(eps) - 1) if gives_up else len(eps)
    plan = _Script(b, record).build(chain, eps, cut)
    plan.links = [
        ChainLink(src=src, src_param=field_, dst=dst, dst_param=param)
        for dst, by_param in sorted(links.items())
        for param, (src, field_) in by_param.items()
    ]
    return plan


def _askable(call: PlannedCall, specs: dict[str, ToolSpec]) -> list[str]:
    required = specs[call.tool].function.parameters.get("required", [])
    return [p for p in required if p in call.stated and not isinstance(call.stated[p], bool | dict)]


class _Script:
    """Lays episodes out as user lines and assistant acts."""

    def __init__(self, b: _Builder, record: list[ToolSpec]) -> None:
        self.b, self.rng, self.record = b, b.rng, record
        self.items: list[Line | Act] = []
        self.step_calls: dict[int, str] = {}
        self.defects: list[str] = []

    def _pairs(
        self, call: PlannedCall, skip: str | None = None, relative: str | None = None
    ) -> list[tuple[str, str]]:
        props = self.b.specs[call.tool].function.parameters.get("properties", {})
        out = []
        for name, value in call.stated.items():
            if name == skip:
                continue
            shown = "tomorrow" if name == relative else say(value)
            out.append((ph.param_phrase(name, props.get(name, {}), self.rng), shown))
        return out

    def _ask_text(self, call: PlannedCall, skip: str | None = None, relative: str | None = None) -> str:
        task = ph.task_phrase(self.b.specs[call.tool])
        pairs = self._pairs(call, skip, relative)
        if call.linked:
            source = phrase(next(iter(call.linked.values()))[1])
            return ph.followup(task, source, pairs, self.rng)
        return ph.request(task, pairs, self.rng)

    def _call(self, calls: list[PlannedCall], **kw: Any) -> None:
        self.items.append(Act("call", calls, [c.call_id for c in calls], **kw))
        for c in calls:
            self.step_calls.setdefault(c.step, c.call_id)

    def _summary(self, calls: list[PlannedCall]) -> None:
        self.items.append(Act("summary", calls, [c.call_id for c in calls]))

    def episode(self, ep: _Episode, first: bool) -> None:
        rng = self.rng
        if ep.kind == "no_tool":
            self.items.append(Line(ep.request if first else ph.transition(ep.request, rng)))
            self.items.append(
                Act(
                    "answer" if ep.no_tool_kind == "direct_answer" else "decline",
                    reasoning=ep.reply[0],
                    content=ep.reply[1],
                )
            )
            return
        c = ep.calls[0]
        if ep.kind == "parallel":
            parts = [(ph.task_phrase(self.b.specs[x.tool]), self._pairs(x)) for x in ep.calls]
            text = ph.parallel_request(parts, rng)
        elif ep.kind == "multi":
            nxt = ep.calls[1]
            source = phrase(next(src for src in nxt.linked.values() if src[0] == c.step)[1])
            text = ph.then_request(
                self._ask_text(c), ph.task_phrase(self.b.specs[nxt.tool]), source, self._pairs(nxt), rng
            )
        else:
            relative = None
            if ep.inject == "invented_date":
                relative = next(k for k, v in c.stated.items() if isinstance(v, str) and _DATE.match(v))
            text = self._ask_text(c, skip=ep.missing, relative=relative)
        self.items.append(Line(text if first else ph.transition(text, rng)))
        if ep.kind == "parallel":
            self._call(ep.calls)
        elif ep.kind == "multi":
            self._call([c])
            self._call([ep.calls[1]])
        elif ep.missing and ep.leak:
            self.defects.append("hidden_detail_leak")
            self._call([c])
        elif ep.missing:
            p = ph.param_phrase(ep.missing, {}, rng)
            reasoning, content = ph.ask(ph.task_phrase(self.b.specs[c.tool]), p, rng)
            self.items.append(Act("ask", reasoning=reasoning, content=content))
            self.items.append(Line(ph.supply(p, say(c.stated[ep.missing]), rng)))
            self._call([c])
        elif ep.inject:
            self._inject(ep, c)
            return
        else:
            self._call([c])
        self._summary(ep.calls)

    def _inject(self, ep: _Episode, c: PlannedCall) -> None:
        rng, kind = self.rng, ep.inject
        bad = Act("call", [c], [f"{c.call_id}_x"], inject=kind)
        if kind == "wrong_type":
            bad.inject_param = rng.choice(list(c.stated))
        elif kind == "missing_required":
            bad.inject_param = rng.choice(self.b.specs[c.tool].function.parameters["required"])
        elif kind == "wrong_tool":
            bad.inject_tool = rng.choice([t.name for t in self.record if t.name != c.tool])
        else:
            bad.inject_param = next(k for k, v in c.stated.items() if isinstance(v, str) and _DATE.match(v))
            real = c.stated[bad.inject_param]
            invented = real
            while invented == real:
                invented = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            bad.inject_value = invented
        self.items.append(bad)
        if kind == "invented_date" and bad.inject_param is not None:
            self.items.append(Act("summary", [c], list(bad.ids)))
            self.items.append(
                Line(
                    ph.date_correction(
                        "tomorrow", str(c.stated[bad.inject_param]), str(bad.inject_value), rng
                    )
                )
            )
        self._call([c], fixes=kind)
        self._summary([c])

    def build(self, chain: Chain, eps: list[_Episode], cut: int) -> Plan:
        b = self.b
        for k, ep in enumerate(eps[:cut]):
            self.episode(ep, first=k == 0)
        if cut < len(eps):
            self.defects.append("user_gave_up")
            self.items.append(Line(ph.give_up(self.rng)))
        else:
            self.items.append(Line(ph.stop(self.rng)))
        tags = {"single": "single_call", "parallel": "parallel", "multi": "multi_step"}
        for ep in eps[:cut]:
            if ep.kind == "no_tool":
                b._tag("no_tool_fits")
                b._tag(ep.no_tool_kind)
            else:
                b._tag(tags[ep.kind])
                if any(c.linked for c in ep.calls) and ep.kind != "multi":
                    b._tag("follow_up")
                if ep.missing and not ep.leak:
                    b._tag("missing_arg")
        goal_lines, hidden = [], []
        for ep in eps:
            if ep.kind == "no_tool":
                goal_lines.append(f"Ask: {ep.request}")
                continue
            for c in ep.calls:
                vals = ", ".join(f"{phrase(k)} {say(v)}" for k, v in c.stated.items())
                goal_lines.append(f"{ph.task_phrase(b.specs[c.tool])}" + (f" ({vals})" if vals else ""))
                hidden.append({"tool": c.tool, "arguments": c.stated})
        goal = "You want the assistant to: " + "; then ".join(goal_lines) + "."
        return Plan(
            trajectory_id=trajectory_id(b.cfg.seed, chain.id),
            key=f"{b.cfg.seed}|{chain.id}",
            chain=chain,
            seed=b.cfg.seed,
            tools=self.record,
            items=self.items,
            goal=goal,
            hidden_details=hidden,
            situations=b.situations,
            defects=self.defects,
            step_calls=self.step_calls,
            step_tools={c.step: c.tool for ep in eps for c in ep.calls},
        )
