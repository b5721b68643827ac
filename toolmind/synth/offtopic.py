"""Plain questions that need no tool: the assistant answers them directly, without a call.

They teach the other half of "no tool fits": not every request is an action to decline; some are
questions a model answers itself. Arithmetic answers are computed, facts are fixed pairs.
"""

from __future__ import annotations

import random

from toolmind.synth.values import words

FACTS: list[tuple[str, str]] = [
    ("What is the capital of Australia?", "The capital of Australia is Canberra."),
    ("Who wrote Pride and Prejudice?", "Pride and Prejudice was written by Jane Austen."),
    ("How many continents are there?", "There are seven continents."),
    ("What is the chemical symbol for gold?", "The chemical symbol for gold is Au."),
    ("How many days are in a leap year?", "A leap year has 366 days."),
    (
        "What is the boiling point of water at sea level in Celsius?",
        "Water boils at 100 degrees Celsius at sea level.",
    ),
    ("Which planet is closest to the sun?", "Mercury is the planet closest to the sun."),
    ("What is the largest ocean on Earth?", "The Pacific Ocean is the largest ocean on Earth."),
    ("How many minutes are in a day?", "There are 1440 minutes in a day."),
    ("Who painted the Mona Lisa?", "The Mona Lisa was painted by Leonardo da Vinci."),
    ("What gas do plants absorb from the air?", "Plants absorb carbon dioxide from the air."),
    # Not "How many sides does a hexagon have?": BFCL-v4 asks exactly that (irrelevance_28), and the
    # demo's decontamination caught and dropped the trajectory that used it.
    ("How many strings does a standard violin have?", "A standard violin has four strings."),
    ("What is the freezing point of water in Fahrenheit?", "Water freezes at 32 degrees Fahrenheit."),
    ("What language is spoken in Brazil?", "The official language of Brazil is Portuguese."),
    ("How many legs does a spider have?", "A spider has eight legs."),
    ("What is the square root of 144?", "The square root of 144 is 12."),
    ("Can you tell me a fun fact about octopuses?", "Octopuses have three hearts and blue blood."),
    ("What does CPU stand for?", "CPU stands for central processing unit."),
]

# The same facts asked as instructions (`situations.instruction_share`), as BFCL asks a quarter of its
# irrelevance entries ("Calculate the prime factors of 100.", "Identify the type of blood cells ...").
FACT_INSTRUCTIONS: dict[str, str] = {
    "What is the capital of Australia?": "Tell me the capital of Australia.",
    "Who wrote Pride and Prejudice?": "Name the author of Pride and Prejudice.",
    "How many continents are there?": "Tell me how many continents there are.",
    "What is the chemical symbol for gold?": "Give me the chemical symbol for gold.",
    "How many days are in a leap year?": "Find the number of days in a leap year.",
    "What is the boiling point of water at sea level in Celsius?": (
        "Give me the boiling point of water at sea level in Celsius."
    ),
    "Which planet is closest to the sun?": "Name the planet closest to the sun.",
    "What is the largest ocean on Earth?": "Identify the largest ocean on Earth.",
    "How many minutes are in a day?": "Calculate the number of minutes in a day.",
    "Who painted the Mona Lisa?": "Tell me who painted the Mona Lisa.",
    "What gas do plants absorb from the air?": "Identify the gas plants absorb from the air.",
    "How many strings does a standard violin have?": "Find the number of strings on a standard violin.",
    "What is the freezing point of water in Fahrenheit?": "Give me the freezing point of water in Fahrenheit.",
    "What language is spoken in Brazil?": "Name the official language of Brazil.",
    "How many legs does a spider have?": "Tell me how many legs a spider has.",
    "What is the square root of 144?": "Calculate the square root of 144.",
    "Can you tell me a fun fact about octopuses?": "Give me a fun fact about octopuses.",
    "What does CPU stand for?": "Explain what CPU stands for.",
}

_OPS = [("plus", lambda a, b: a + b), ("minus", lambda a, b: a - b), ("times", lambda a, b: a * b)]


_SUMS = ("What is {}?", "Quick question: what's {}?", "Can you work out {}?")
# One instruction per question form, so that either list costs the generator the same draw.
_SUM_INSTRUCTIONS = ("Calculate {}.", "Work out {} for me.", "Compute {}.")


def question(rng: random.Random, instruction: bool = False) -> tuple[str, str]:
    """(question, answer): half arithmetic with a computed answer, half a fixed fact. `instruction`: the
    same question said as an instruction ("Calculate 12 times 7."), drawing what the question draws."""
    if rng.random() < 0.5:
        q, answer = rng.choice(FACTS)
        return (FACT_INSTRUCTIONS[q] if instruction else q), answer
    a, b = rng.randint(2, 99), rng.randint(2, 99)
    word, op = rng.choice(_OPS)
    q = rng.choice(_SUM_INSTRUCTIONS if instruction else _SUMS).format(f"{a} {word} {b}")
    return q, f"{a} {word} {b} is {op(a, b)}."


# Leading verbs of tool names; what follows is the tool's subject ("get_hotel_reviews" -> "hotel reviews").
_VERBS = frozenset(
    [
        "get",
        "list",
        "search",
        "find",
        "create",
        "calculate",
        "compute",
        "update",
        "delete",
        "send",
        "check",
        "convert",
        "book",
        "cancel",
        "schedule",
        "add",
        "set",
        "fetch",
        "retrieve",
        "estimate",
        "analyze",
        "analyse",
        "validate",
        "generate",
        "track",
        "apply",
        "upload",
        "export",
        "place",
        "reserve",
        "record",
        "log",
        "rate",
        "compare",
        "translate",
        "scale",
        "report",
        "save",
        "enable",
        "disable",
        "transfer",
        "pay",
        "request",
        "submit",
        "change",
        "remove",
        "move",
        "share",
        "start",
        "stop",
        "lookup",
        "predict",
        "measure",
        "plan",
        "suggest",
        "recommend",
        "count",
        "detect",
        "select",
        "modify",
        "invite",
        "respond",
        "reply",
        "forward",
        "merge",
        "import",
        "download",
        "append",
        "restore",
        "read",
        "freeze",
        "dispute",
        "refund",
        "view",
        "exchange",
        "redirect",
        "refill",
        "buy",
        "follow",
        "play",
        "define",
        "transcribe",
        "enroll",
        "renew",
        "checkout",
        "assign",
        "approve",
        "attach",
        "dispatch",
        "publish",
        "escalate",
        "close",
        "open",
        "split",
        "verify",
        "balance",
        "show",
        "display",
        "look",
        "reverse",
        "autocomplete",
        "purchase",
        "evaluate",
        "factorize",
        "shorten",
        "describe",
        "interpret",
        "rank",
        "build",
        "explain",
        "adjust",
    ]
)

_TOPIC_QUESTIONS = (
    "What is the history of {s}?",
    "Who first came up with {s}?",
    "Why do people care so much about {s}?",
    "Can you tell me an interesting fact about {s}?",
    "How did {s} become so widespread?",
    "Explain the idea behind {s} in simple terms.",
    "What are the main criticisms of {s}?",
    "Which country is best known for {s}?",
)
# The same, one for one, as instructions (`situations.instruction_share`).
_TOPIC_INSTRUCTIONS = (
    "Tell me the history of {s}.",
    "Find out who first came up with {s}.",
    "Explain why people care so much about {s}.",
    "Give me an interesting fact about {s}.",
    "Describe how {s} became so widespread.",
    "Summarize the idea behind {s} in simple terms.",
    "List the main criticisms of {s}.",
    "Name the country best known for {s}.",
)


def subject(tool_name: str) -> str | None:
    """The tool's subject in words, without the namespace and the leading verb; None if nothing is left."""
    ws = words(tool_name.rpartition(".")[2])
    # Verbs and the prepositions after them: "reply_to_email" -> "email", not "reply to email".
    while ws and (ws[0] in _VERBS or ws[0] in ("to", "for", "from", "in", "on", "of")):
        ws = ws[1:]
    return " ".join(ws) if ws else None


def topic_question(
    subject_words: str, tool_name: str, task: str, rng: random.Random, instruction: bool = False
) -> tuple[str, str, str]:
    """(question, reasoning, content): a general question about an offered tool's subject that the tool
    does not answer, as BFCL's irrelevance entries ask ("Who won the chess tournament in 2015?" beside a
    board analyser). The near topic is the point: the words overlap, the task does not. `instruction`:
    said as an instruction ("Tell me the history of hotel reviews."), drawing what the question draws."""
    question = rng.choice(_TOPIC_INSTRUCTIONS if instruction else _TOPIC_QUESTIONS).format(s=subject_words)
    reasoning = rng.choice(
        [
            f"This is a general question about {subject_words}. {tool_name} can only {task}, which does not "
            "answer it, so I won't call a tool.",
            f"The user asks about {subject_words} in general; no available tool answers that ({tool_name} "
            f"would {task}), so no call.",
        ]
    )
    content = rng.choice(
        [
            f"That's a general question my tools can't answer: the one I have can only {task}.",
            f"I can't look that up with the available tools; they only {task}.",
            f"None of my tools covers that question about {subject_words}, so I won't guess with one.",
        ]
    )
    return question, reasoning, content
