"""Plain questions that need no tool: the assistant answers them directly, without a call.

They teach the other half of "no tool fits": not every request is an action to decline; some are
questions a model answers itself. Arithmetic answers are computed, facts are fixed pairs.
"""

from __future__ import annotations

import random

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
    ("How many sides does a hexagon have?", "A hexagon has six sides."),
    ("What is the freezing point of water in Fahrenheit?", "Water freezes at 32 degrees Fahrenheit."),
    ("What language is spoken in Brazil?", "The official language of Brazil is Portuguese."),
    ("How many legs does a spider have?", "A spider has eight legs."),
    ("What is the square root of 144?", "The square root of 144 is 12."),
    ("Can you tell me a fun fact about octopuses?", "Octopuses have three hearts and blue blood."),
    ("What does CPU stand for?", "CPU stands for central processing unit."),
]

_OPS = [("plus", lambda a, b: a + b), ("minus", lambda a, b: a - b), ("times", lambda a, b: a * b)]


def question(rng: random.Random) -> tuple[str, str]:
    """(question, answer): half arithmetic with a computed answer, half a fixed fact."""
    if rng.random() < 0.5:
        return rng.choice(FACTS)
    a, b = rng.randint(2, 99), rng.randint(2, 99)
    word, op = rng.choice(_OPS)
    q = rng.choice(
        [
            f"What is {a} {word} {b}?",
            f"Quick question: what's {a} {word} {b}?",
            f"Can you work out {a} {word} {b}?",
        ]
    )
    return q, f"{a} {word} {b} is {op(a, b)}."
