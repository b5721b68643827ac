"""`toolmind eval decisions`: margins, AUC, the threshold, and the operating point's exactness."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
import torch

from toolmind.eval.bfcl.data import load_questions
from toolmind.eval.bfcl.decisions import (
    CALL_TOKEN,
    Decision,
    DecisionsConfig,
    NoCallInPreamble,
    auc,
    auc_interval,
    auc_with_interval,
    called,
    choose_threshold,
    read_answers,
    read_scores,
    result_folder,
    run_decisions,
)
from toolmind.eval.bfcl.generators import TransformersGenerator
from toolmind.eval.bfcl.prompt import format_prompt, parse_response, prepare_entry
from toolmind.eval.bfcl.results import load_results, result_file
from toolmind.eval.bfcl.runner import BFCLConfig, evaluate
from toolmind.llm.transformers_backend import cut_at_stop


def test_auc_counts_ties_half_and_orders() -> None:
    assert auc([3.0, 4.0], [1.0, 2.0]) == 1.0
    assert auc([1.0], [2.0, 3.0]) == 0.0
    assert auc([2.0], [2.0]) == 0.5
    value, interval = auc_with_interval(
        [1.0, 1.5], [2.0, 3.0]
    )  # every negative above: AUC 0, its own interval
    assert value == 0.0 and interval is not None and interval[0] == 0.0 and interval[1] < 0.5
    assert auc_with_interval([], [1.0]) == (None, None)
    assert auc([1.0, 3.0], [2.0]) == 0.5
    assert auc([], [1.0]) is None


def test_auc_interval_narrows_with_entries_and_stays_in_range() -> None:
    lo, hi = auc_interval(0.89, 600, 240)
    assert 0.86 < lo < 0.89 < hi < 0.92
    small = auc_interval(0.89, 30, 15)
    assert small[0] < lo and small[1] > hi
    assert auc_interval(1.0, 10, 10) == (1.0, 1.0)


def test_no_call_in_preamble_forbids_the_call_only_before_the_answer_starts() -> None:
    preamble = torch.tensor([False, False, True, False])  # token 2 is whitespace
    ids = torch.tensor([[9, 9, 2], [9, 9, 1]])  # started at 2: row 0 wrote preamble, row 1 an answer
    scores = torch.tensor([[0.0, 1.0, 0.0, 5.0], [0.0, 1.0, 0.0, 5.0]])
    out = NoCallInPreamble(3, start=2, preamble=preamble)(ids, scores.clone())
    assert out.argmax(dim=1).tolist() == [1, 3]
    first = NoCallInPreamble(3, start=3, preamble=preamble)(ids, scores.clone())  # nothing written yet
    assert first.argmax(dim=1).tolist() == [1, 1]


def _d(i: str, category: str, score: float) -> Decision:
    return Decision(i, category, score, greedy_call=score > 0)


def test_threshold_is_the_most_calling_one_that_reaches_the_target() -> None:
    decisions = [
        _d("s0", "simple_python", 3.0),
        _d("s1", "simple_python", 1.0),
        _d("i0", "irrelevance", 2.0),
        _d("i1", "irrelevance", 0.5),
        _d("i2", "irrelevance", -1.0),
        _d("i3", "irrelevance", -2.0),
    ]
    # Stored outputs: i0, i1 call (wrong), i2, i3 do not (right); nothing else scored yet.
    scored = {("i0", True): False, ("i1", True): False, ("i2", False): True, ("i3", False): True}
    # 2 of 4 decline as stored; any lower threshold would make i2 or i3 call.
    assert choose_threshold(decisions, scored, 0.5) == -1.0
    assert choose_threshold(decisions, scored, 0.75) == 0.5  # i1 estimated to decline rightly
    assert choose_threshold(decisions, scored, 1.0) == 2.0
    # A stored call that the scorer passed (an undecodable call) keeps counting as a success.
    assert choose_threshold(decisions, {**scored, ("i1", True): True}, 0.75) == -1.0
    # A decline that was generated and scored wrong (it still called) moves the threshold up.
    assert choose_threshold(decisions, {**scored, ("i1", False): False}, 0.75) == 2.0
    assert (
        choose_threshold(decisions, {**scored, ("i1", False): False, ("i0", False): False}, 0.75) == math.inf
    )


def test_a_torn_last_score_line_is_cut_and_a_bad_middle_line_named(tmp_path: Path) -> None:
    path = tmp_path / "scores.jsonl"
    good = json.dumps({"id": "a", "category": "irrelevance", "score": -1.0, "greedy_call": False})
    path.write_text(good + "\n" + '{"id": "b", "catego')
    assert [d.id for d in read_scores(path)] == ["a"]
    assert path.read_text() == good + "\n"
    path.write_text('{"id": 1}\n' + good + "\n")
    with pytest.raises(ValueError, match=r"scores.jsonl:1: not a call-score record"):
        read_scores(path)
    answers = tmp_path / "answers.jsonl"
    row = json.dumps({"call": False, "row": {"id": "a", "result": "No."}})
    answers.write_text(row + "\n" + '{"call": tr')
    assert read_answers(answers) == {("a", False): {"id": "a", "result": "No."}}
    assert answers.read_text() == row + "\n"


def _reference(gen: TransformersGenerator, prompt: str, call: bool) -> str:
    """The policy's answer by a plain step-by-step loop, one full forward pass per token (no cache, no
    `generate`): the call prefix and greedy, or greedy with <tool_call> forbidden before the answer."""
    tok, model = gen.backend.tokenizer, gen.backend.model
    prompt_ids = tok(prompt, add_special_tokens=False)["input_ids"]
    call_id = tok.convert_tokens_to_ids(CALL_TOKEN)
    new = tok("<think>\n\n</think>\n\n<tool_call>", add_special_tokens=False)["input_ids"] if call else []
    budget = gen.budget(len(prompt_ids))
    with torch.no_grad():
        while len(new) < budget:
            logits = model(torch.tensor([prompt_ids + new])).logits[0, -1]
            texts = [tok.decode([t]) for t in new]
            if not call and all(t.strip() == "" or t in ("<think>", "</think>") for t in texts):
                logits[call_id] = -math.inf
            token = int(logits.argmax())
            if token in gen.backend.stop_ids:
                break
            new.append(token)
    return cut_at_stop(tok.decode(new, skip_special_tokens=False))


@pytest.fixture(scope="module")
def calling_qwen3_dir(tiny_qwen3_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny random Qwen3 made to call at once: its <tool_call> output row is 1.01x that of the newline
    it otherwise writes forever, so greedy outputs call without the call prefix's empty think block."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = tmp_path_factory.mktemp("calling") / "model"
    shutil.copytree(tiny_qwen3_dir, out)
    tok = AutoTokenizer.from_pretrained(out)
    model = AutoModelForCausalLM.from_pretrained(out)
    [newline] = tok("\n", add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        head = model.get_output_embeddings().weight
        head[tok.convert_tokens_to_ids(CALL_TOKEN)] = 1.01 * head[newline]
    model.save_pretrained(out)
    return out


@pytest.mark.parametrize("kind", ["random", "calling"])
def test_operating_point_is_the_policy_decoded_from_scratch(
    kind: str, tiny_qwen3_dir: Path, calling_qwen3_dir: Path, tmp_path: Path
) -> None:
    model = str(tiny_qwen3_dir if kind == "random" else calling_qwen3_dir)
    # Batch 1 everywhere: no padding, so every path decodes with the same numerics.
    bfcl = BFCLConfig(
        model=model,
        out=str(tmp_path / "bfcl"),
        categories="simple_python,irrelevance",
        sample=4,
        seed=3,
        max_new_tokens=6,
        batch_size=1,
    )
    source = Path(evaluate(bfcl)["result_dir"])
    stored = {c: load_results(result_file(source, c)) for c in ("simple_python", "irrelevance")}
    stored_calls = sum(called(r) for rows in stored.values() for r in rows.values())
    assert stored_calls == (0 if kind == "random" else 8)
    # Half the irrelevance entries must not call: the other half (and some relevant ones) call.
    # The evaluation's output folder names the model's one result folder.
    assert result_folder(tmp_path / "bfcl", model) == source
    cfg = DecisionsConfig(
        model=model,
        results=str(tmp_path / "bfcl"),
        out=str(tmp_path / "dec"),
        batch_size=1,
        irrelevance_target=0.5,
    )
    report = run_decisions(cfg)
    assert report["entries"] == {"simple_python": 4, "irrelevance": 4}
    scores = read_scores(tmp_path / "dec" / "scores.jsonl")
    assert len(scores) == 8 and report["auc"] == auc(
        [d.score for d in scores if d.category == "simple_python"],
        [d.score for d in scores if d.category == "irrelevance"],
    )
    assert not any(d.greedy_call for d in scores)
    calls = [d for d in scores if d.score > report["threshold"]]
    assert sum(not d.relevant for d in calls) == 2
    # Stored outputs are reused only where they are the policy's answer: the random model's (which
    # never calls) where the policy does not call; the calling model's nowhere.
    expected = (len(calls), 0) if kind == "random" else (len(calls), 8 - len(calls))
    assert (report["generated"]["call"], report["generated"]["no_call"]) == expected
    forms = report["by_request_form"]  # every entry in one form or the other
    assert sum(forms[f]["needing_a_call"] + forms[f]["irrelevant"] for f in ("question", "instruction")) == 8
    assert "By request form" in (Path(cfg.out) / "report.md").read_text()

    gen = TransformersGenerator(model, max_new_tokens=6, batch_size=1)
    merged = Path(cfg.out) / "results" / f"{source.name}-threshold"
    policy_calls = {d.id for d in calls}
    for category in ("simple_python", "irrelevance"):
        rows = load_results(result_file(merged, category))
        assert rows.keys() == stored[category].keys()
        for e in load_questions(category):
            if e["id"] in rows:
                e = prepare_entry(e)
                prompt = format_prompt(e["question"][0], e["function"], thinking=True)
                text = _reference(gen, prompt, call=e["id"] in policy_calls)
                assert rows[e["id"]]["result"] == parse_response(text).text, e["id"]

    answers = (Path(cfg.out) / "answers.jsonl").read_text()
    assert len(answers.splitlines()) == report["generated"]["call"] + report["generated"]["no_call"]
    again = run_decisions(cfg)  # scores and answers are read back, not made again
    assert again["auc"] == report["auc"] and again["operating"] == report["operating"]
    assert (Path(cfg.out) / "answers.jsonl").read_text() == answers
    marker = Path(cfg.out) / "decisions_manifest.json"  # scores of other outputs are never resumed
    marker.write_text(json.dumps({**json.loads(marker.read_text()), "results": "elsewhere"}))
    with pytest.raises(ValueError, match=r"decisions_manifest\.json: this folder holds the call scores"):
        run_decisions(cfg)


def test_a_changed_checkpoint_is_refused(tiny_qwen3_dir: Path, tmp_path: Path) -> None:
    run = tmp_path / "results" / "m-1"
    run.mkdir(parents=True)
    manifest = {"model": "x", "fingerprint": {"model": "x"}, "settings": {"backend": "transformers"}}
    (run / "manifest.json").write_text(json.dumps(manifest))
    cfg = DecisionsConfig(model=str(tiny_qwen3_dir), results=str(run), out=str(tmp_path / "o"))
    with pytest.raises(ValueError, match="not from the checkpoint now at"):
        run_decisions(cfg)
    with pytest.raises(ValueError, match=r"results: 0 result folders of .* \(none\)"):
        result_folder(tmp_path, str(tiny_qwen3_dir))


def test_request_form_reads_the_last_sentence() -> None:
    from toolmind.eval.bfcl.request_form import request_form

    assert request_form("What is the capital of France?") == "question"
    assert request_form("How many sides does a hexagon have") == "question"  # no mark, still asked
    assert request_form("I need to plan a trip. Which airline flies to Oslo?") == "question"
    assert request_form("Calculate the area of a triangle with base 10 and height 5.") == "instruction"
    assert request_form("'Get stock price of Apple for the last 5 days in NASDAQ.'") == "instruction"
    assert request_form("Can you find me a vegan restaurant in Boston?") == "instruction"  # polite
    assert request_form("What a day. Book a table for two at 7pm.") == "instruction"
    assert request_form("Next, could you get the forecast for Oslo?") == "instruction"  # connective
    assert request_form("And what is the forecast for Oslo?") == "question"
    assert request_form("") == "instruction"


def test_form_figures_separate_the_form_from_the_judgement() -> None:
    from toolmind.eval.bfcl.decisions import form_figures

    # Scores set by the form alone: instructions high, questions low, whatever the entry needs.
    by_form = [(1.0, True, "instruction"), (0.9, False, "instruction"), (-1.0, True, "question")]
    by_form += [(-1.1, False, "question")]
    f = form_figures(by_form)
    assert f["form_auc"] == 1.0
    assert f["question"] == {"needing_a_call": 1, "irrelevant": 1, "auc": 1.0}
    # Scores set by the need alone: every form's AUC is 1 and the form moves nothing.
    by_need = [(1.0, True, "instruction"), (1.0, True, "question"), (-1.0, False, "question")]
    g = form_figures([*by_need, (-1.0, False, "instruction")])
    assert g["form_auc"] == 0.5 and g["instruction"]["auc"] == 1.0
    assert form_figures([(1.0, True, "question")])["instruction"]["auc"] is None
