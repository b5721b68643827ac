"""Whether a model's call-or-decline judgement follows the form of a request instead of its content.

BFCL asks most of its irrelevance entries as questions ("What is the capital of France?") and most of
its relevant ones as instructions ("Calculate the area of a triangle ..."). A model whose training data
declined questions and called on instructions can score a fair AUC on that alone while judging little:
on two data draws of three the demo's model (2026-12-07) called 98-99% of BFCL's relevant
instructions but 28% and 71% of its relevant questions, and 73-80% of its *irrelevant* instructions.
The figures here separate the two: the AUC within each form (does the model tell a tool's request
from another with the form held fixed?) and the AUC of instructions over questions among the entries
that need a call (0.5: the form does not move the call score); `toolmind eval decisions` reports them.

The form is read from the request's last sentence with a few English patterns; it is a diagnostic of
the benchmark's plain single-turn requests, not a parser.
"""

from __future__ import annotations

import re
from typing import Literal

Form = Literal["question", "instruction"]

_SENTENCES = re.compile(r"(?<=[.!?])\s+")
# A connective before the request ("Next, could you ...?", "And what is ...?") does not change its form.
_LEAD = re.compile(r"^(next|also|and|now|then|so|finally|lastly),?\s+", re.IGNORECASE)
# "Can you ..." and "Could you ..." are requests said politely: instructions, whatever their mark.
_POLITE = re.compile(r"^(can|could|would|will) you\b", re.IGNORECASE)
_WH = re.compile(
    r"^(what|what's|whats|how|which|who|whom|whose|when|where|why|is|are|was|were|do|does|did|should|"
    r"shall|has|have)\b",
    re.IGNORECASE,
)


def request_form(text: str) -> Form:
    """ "question" when the request's last sentence asks one ("What is ...?", "How many ...", "Is it
    ...?"), else "instruction" ("Calculate ...", "Find me ...", "Can you book ...?")."""
    sentences = [s for s in _SENTENCES.split(text.strip().strip("'\"")) if s.strip()]
    last = _LEAD.sub("", sentences[-1].strip()) if sentences else ""
    if _POLITE.match(last):
        return "instruction"
    if _WH.match(last) or last.endswith("?"):
        return "question"
    return "instruction"
