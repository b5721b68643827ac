"""benchmarks/value_spelling.py: its string key is the official checker's, and its probes and verdicts."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType


def test_value_spelling_compares_as_the_official_checker_and_names_each_miss(
    benchmark_script: Callable[[str], ModuleType],
) -> None:
    vs = benchmark_script("value_spelling")
    # bfcl_eval's standardize_string (its checker imports the API clients, so it is not imported here)
    expected = {"Liverpool F.C.": "liverpoolfc", "New York, NY": "newyorkny", "April 1, 2024": "april12024"}
    expected |= {"x**2": "x2", "it's": 'it"s', "C#": "c#", "a_b-c/d^e": "abcde"}
    for text, key in expected.items():
        assert vs.standardize(text) == key
    probe = vs.Probe(
        entry="e", param="team_name", kind="copy", accepted=("Liverpool F.C.", "Liverpool"),
        request="get me the last game played by liverpool f.c. and man city.", prompt="",
    )  # fmt: skip
    assert vs.judge(probe, "liverpool fc") == "right"  # case, spaces and dots are ignored
    assert vs.judge(probe, "Liverly F.C.") == "misspelt"
    assert vs.judge(probe, "Man City") == "another span"
    assert vs.judge(probe, "Arsenal") == "other"
    rewrite = vs.Probe("e", "to_currency", "rewrite", ("CAD",), "convert 150 euros to canadian dollars.", "")
    assert vs.judge(rewrite, "CAD") == "right" and vs.judge(rewrite, "Canadian dollars") == "wrong"


def test_value_spelling_forces_the_right_call_up_to_each_expected_string(
    benchmark_script: Callable[[str], ModuleType],
) -> None:
    vs = benchmark_script("value_spelling")
    items = vs.probes()
    assert len(items) > 800 and {p.kind for p in items} == {"copy", "rewrite"}
    liverpool = next(p for p in items if p.entry == "simple_python_347" and p.param == "team_name")
    assert liverpool.kind == "copy" and "Liverpool F.C." in liverpool.accepted
    assert liverpool.prompt.endswith(
        '<tool_call>\n{"name": "soccer.get_last_match", "arguments": {"team_name": "'
    )
    assert "Liverpool F.C." in liverpool.prompt  # the official prompt, request included
