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

from typing import Any

from toolmind.schema import Chain, ChainLink, ToolSpec
from toolmind.synth import natural
from toolmind.synth import phrases as ph
from toolmind.synth.config import SynthConfig
from toolmind.synth.episodes import EpisodeBuilder
from toolmind.synth.script import DATE, Act, Episode, Line, Plan, PlannedCall, trajectory_id
from toolmind.synth.values import phrase, say, words

__all__ = ["Act", "Line", "Plan", "PlannedCall", "build_plan", "trajectory_id"]


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
    b = EpisodeBuilder(chain, specs, pool, cfg, domains)
    rng = b.rng
    names, links = b.window()
    eps = b.episodes(names, links)
    record_names = list(dict.fromkeys(names))
    extra = b.distractors(record_names)
    record = [specs[n] for n in record_names] + extra
    rng.shuffle(record)
    if extra:
        b.tag("distractors")
    if b.s.offered_request_share > 0:
        # More requests over the same tool list, each for a different offered tool: the choice among
        # tools is practised several times per conversation, and a decision costs ~150 tokens instead
        # of a whole new tool list (~500). No draw at share 0: older recipes keep their output.
        step = len(names)
        for tool in extra:
            if tool.name in specs and rng.random() < b.s.offered_request_share:
                eps.insert(rng.randint(0, len(eps)), Episode("single", [b.planned_call(step, tool.name, {})]))
                step += 1
                b.tag("offered_request")

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

    def __init__(self, b: EpisodeBuilder, record: list[ToolSpec]) -> None:
        self.b, self.rng, self.record = b, b.rng, record
        self.items: list[Line | Act] = []
        self.step_calls: dict[int, str] = {}
        self.defects: list[str] = []

    def _spoken(self, tool: str) -> str:
        return ph.spoken_task(self.b.specs[tool], self.rng, self.b.s.paraphrase_share)

    def _props(self, tool: str) -> dict[str, Any]:
        """The parameter schemas of `tool`, by name."""
        return dict(self.b.specs[tool].function.parameters.get("properties", {}))

    @property
    def _amounts(self) -> bool:
        """Whether large amounts are said in people's forms ("2.5 million"): only when the recipe draws
        them, so that recipes without them draw exactly as before."""
        return self.b.s.large_amount_share > 0

    def _natural_date(self, value: Any) -> bool:
        """Whether this ISO date is said as people write it ("March 11, 2022"), at
        `situations.natural_date_share`; no draw at 0 or for other values, so recipes without it draw as
        before."""
        share = self.b.s.natural_date_share
        if share <= 0 or not isinstance(value, str) or not natural.is_date(value):
            return False
        return self.rng.random() < share

    def _say(self, value: Any) -> str:
        if self._amounts and ph.is_large_amount(value):
            return ph.say_amount(value, self.rng)
        return say(value)

    def _said(
        self, call: PlannedCall, skip: str | None = None, relative: str | None = None
    ) -> tuple[str, list[tuple[str, str]]]:
        """The spoken task with the values said in natural phrases, and the (parameter, value) pairs
        still to be said by name."""
        task, tail, named, _ = self._said_parts(call, skip, relative)
        return (f"{task} {tail}" if tail else task), named

    def _said_parts(
        self,
        call: PlannedCall,
        skip: str | None = None,
        relative: str | None = None,
        leave_out: str | None = None,
    ) -> tuple[str, str, list[tuple[str, str]], list[tuple[str, str]]]:
        """`_said` in parts: the spoken task, the natural phrases of values ("in Houston for 3 days"),
        the pairs still to be said by name, and the pairs said inside the task ("search thai
        restaurants"), which a question that leaves the task out must say by name."""
        task = self._spoken(call.tool)  # drawn first: the draw order without natural phrases is unchanged
        props = self._props(call.tool)
        named: list[tuple[str, str]] = []
        in_task: list[tuple[str, str]] = []
        fragments: list[str] = []
        of_parts: list[str] = []
        lists: dict[str, list[Any]] = {
            "named": named,
            "fragment": fragments,
            "of": of_parts,
            "in_task": in_task,
        }
        for name, value in call.stated.items():
            if name in (skip, leave_out):  # `leave_out`: said by the question instead
                continue
            where, task_after, item = self._place(call, name, value, props.get(name, {}), task, relative)
            # The value's own draws are made first, so a flag said by what it turns on leaves the rest
            # of the plan drawn as without `situations.flag_share`.
            flag = self._flag_said(name, value)
            if flag is not None:
                fragments.append(flag)
                continue
            task = task_after
            lists[where].append(item)
        return task, natural.join(fragments, of_parts), named, in_task

    def _flag_said(self, name: str, value: Any) -> str | None:
        """A flag turned on, said by what it turns on ("avoiding tolls", "including the archived"), at
        `situations.flag_share` (every such flag that a phrase fits; drawn from the flags' own stream);
        None otherwise."""
        if self.b.s.flag_share <= 0 or value is not True:
            return None
        return natural.flag_said(name, self.b.flag_rng)

    def _place(
        self,
        call: PlannedCall,
        name: str,
        value: Any,
        schema: dict[str, Any],
        task: str,
        relative: str | None,
    ) -> tuple[str, str, Any]:
        """Where one stated value is said: ("named", task, (param, shown)), ("fragment", task, "in
        Houston"), ("of", task, "a base of 10") or ("in_task", the task with the value in it, (param,
        shown))."""
        share = self.b.s.natural_share
        unit = None
        date_said = False
        if name == relative:
            shown = "tomorrow"
        elif self._natural_date(value):
            shown, date_said = ph.say_date(value, self.rng), True
        else:
            unit = ph.with_unit(
                name,
                value,
                call.stated,
                self.rng,
                self.b.s.unit_share,
                schema,
                amounts=self._amounts,
                quantity_share=self.b.s.quantity_unit_share,
            )
            shown = unit or self._say(value)
        param = ph.param_phrase(name, schema, self.rng, unit_said=unit is not None)
        if unit and len(param.split()) > 1 and param.split()[-1] == unit.split()[-1]:
            param = param.rsplit(" ", 1)[0]  # "the term 8 years", not "the term years 8 years"
        if share > 0 and self.rng.random() < share:
            said_as = (
                self._qualifier(call.tool, name, value, schema, task)
                if shown == value or isinstance(value, list)
                else None
            )
            if said_as is not None:
                if said_as[0] == "task":
                    return "in_task", said_as[1], (param, shown)
                return "fragment", task, said_as[1]
            frag = natural.fragment(name, value, shown, self.rng, date_said=date_said)
            if frag is not None:
                return "fragment", task, frag
            if isinstance(value, int | float) and not isinstance(value, bool):
                return "of", task, natural.of_phrase(param, shown)
        return "named", task, (param, shown)

    def _qualifier(
        self, tool: str, name: str, value: Any, schema: dict[str, Any], task: str
    ) -> tuple[str, str] | None:
        """("task", the task with the value before the thing it qualifies) or ("phrase", "in metric
        units", "avoiding tolls and ferries"), at `situations.qualifier_share`; None otherwise. No draw at
        share 0 or where no such form fits, so recipes without them draw as before."""
        share = self.b.s.qualifier_share
        if share <= 0:
            return None
        qualified = natural.qualified_task(name, value, schema, task, words(tool.rsplit(".", 1)[-1]))
        if qualified is not None:
            return ("task", qualified) if self.rng.random() < share else None
        said = (
            natural.flag_phrase(name, value, self.rng)
            if isinstance(value, bool)
            else natural.enum_phrase(name, value) or natural.options_phrase(name, value, schema, self.rng)
        )
        if said is not None and self.rng.random() < share:
            return "phrase", said
        return None

    def _asked_options(self, call: PlannedCall, skip: str | None) -> tuple[str, list[str]] | None:
        """A stated list of things the tool returns (`facts: ["Elevation", "Area"]`) and how they are said,
        for a question that asks for them ("What are the elevation and area of ...?"); None without
        `situations.qualifier_share`, so recipes without it draw as before."""
        if self.b.s.qualifier_share <= 0 or self.b.s.question_share <= 0 or call.linked:
            return None
        if not ph.answers(self.b.specs[call.tool]):
            return None
        props = self._props(call.tool)
        for name, value in call.stated.items():
            said = natural.asked_options(name, value, props.get(name, {})) if name != skip else None
            if said is not None:
                return name, said
        return None

    def _ask_text(self, call: PlannedCall, skip: str | None = None, relative: str | None = None) -> str:
        asked = self._asked_options(call, skip)
        if asked is not None and self.rng.random() < self.b.s.question_share:
            name, things = asked
            _, tail, pairs, in_task = self._said_parts(call, skip, relative, leave_out=name)
            question = ph.result_question(
                self.b.specs[call.tool],
                tail,
                in_task + pairs,
                self.rng,
                asked=things,
                of_share=self.b.s.of_question_share,
            )
            assert question is not None  # the tool answers: checked above
            return question
        task, tail, pairs, in_task = self._said_parts(call, skip, relative)
        said = f"{task} {tail}" if tail else task
        if call.linked:
            # The field is said as its result: "the energy", not "the energy j". It feeds `param`, so it
            # has the param's type (what a single-letter unit needs).
            param, (_, field_name) = next(iter(call.linked.items()))
            props = self._props(call.tool)
            source = ph.field_phrase(field_name, props.get(param, {}))
            return ph.followup(said, source, pairs, self.rng)
        # No draw at share 0: recipes without questions keep their exact (seeded) output.
        share = self.b.s.question_share
        if share > 0 and self.rng.random() < share:
            others = ph.result_fields([t for t in self.record if t.name != call.tool])
            spec = self.b.specs[call.tool]
            question = ph.result_question(
                spec, tail, in_task + pairs, self.rng, others, of_share=self.b.s.of_question_share
            )
            if question is not None:
                return question
        return ph.request(said, pairs, self.rng)

    def _call(self, calls: list[PlannedCall], **kw: Any) -> None:
        self.items.append(Act("call", calls, [c.call_id for c in calls], **kw))
        for c in calls:
            self.step_calls.setdefault(c.step, c.call_id)

    def _summary(self, calls: list[PlannedCall]) -> None:
        self.items.append(Act("summary", calls, [c.call_id for c in calls]))

    def episode(self, ep: Episode, first: bool) -> None:
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
        if ep.kind == "parallel" and ep.calls[0].tool == ep.calls[1].tool and rng.random() < 0.6:
            one, two = ep.calls
            props = self._props(c.tool)
            names = {k: ph.param_phrase(k, props.get(k, {}), rng) for k in one.stated}

            def spoken(k: str, v: Any) -> str:
                schema = props.get(k, {})
                unit = ph.with_unit(
                    k,
                    v,
                    one.stated,
                    rng,
                    self.b.s.unit_share,
                    schema,
                    amounts=self._amounts,
                    quantity_share=self.b.s.quantity_unit_share,
                )
                return unit or (self._say(v) if ph.is_large_amount(v) else ph.say_value(k, v, schema))

            shared = [(names[k], spoken(k, v)) for k, v in one.stated.items() if two.stated.get(k) == v]
            key = next(k for k, v in one.stated.items() if two.stated.get(k) != v)
            varied = ((names[key], spoken(key, one.stated[key])), (names[key], spoken(key, two.stated[key])))
            text = ph.same_tool_request(self._spoken(c.tool), shared, varied, rng)
        elif ep.kind == "parallel":
            parts = [self._said(x) for x in ep.calls]
            text = ph.parallel_request(parts, rng)
        elif ep.kind == "multi":
            nxt = ep.calls[1]
            param, field_name = next((p, src[1]) for p, src in nxt.linked.items() if src[0] == c.step)
            props = self._props(nxt.tool)
            source = ph.field_phrase(field_name, props.get(param, {}))
            first_text = self._ask_text(c)
            task, pairs = self._said(nxt)
            text = ph.then_request(first_text, task, source, pairs, rng)
        else:
            relative = None
            if ep.inject == "invented_date":
                relative = next(k for k, v in c.stated.items() if isinstance(v, str) and DATE.match(v))
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
            # Its type only: the missing value is asked for by name, never by its description.
            kind = self._props(c.tool).get(ep.missing, {})
            p = ph.param_phrase(ep.missing, {"type": kind.get("type")}, rng)
            reasoning, content = ph.ask(ph.task_phrase(self.b.specs[c.tool]), p, rng)
            self.items.append(Act("ask", reasoning=reasoning, content=content))
            self.items.append(Line(ph.supply(p, self._say(c.stated[ep.missing]), rng)))
            self._call([c])
        elif ep.inject:
            self._inject(ep, c)
            return
        else:
            self._call([c])
        self._summary(ep.calls)

    def _inject(self, ep: Episode, c: PlannedCall) -> None:
        rng, kind = self.rng, ep.inject
        bad = Act("call", [c], [f"{c.call_id}_x"], inject=kind)
        if kind == "wrong_type":
            bad.inject_param = rng.choice(list(c.stated))
        elif kind == "missing_required":
            bad.inject_param = rng.choice(self.b.specs[c.tool].function.parameters["required"])
        elif kind == "wrong_tool":
            bad.inject_tool = rng.choice([t.name for t in self.record if t.name != c.tool])
        else:
            bad.inject_param = next(k for k, v in c.stated.items() if isinstance(v, str) and DATE.match(v))
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

    def build(self, chain: Chain, eps: list[Episode], cut: int) -> Plan:
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
                b.tag("no_tool_fits")
                b.tag(ep.no_tool_kind)
            else:
                b.tag(tags[ep.kind])
                if any(c.linked for c in ep.calls) and ep.kind != "multi":
                    b.tag("follow_up")
                if ep.missing and not ep.leak:
                    b.tag("missing_arg")
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
