"""Per-turn loss masks at the token level: what is labelled, how it is cut, what is skipped."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from toolmind.chat import render
from toolmind.data.tokenize import (
    IGNORE_INDEX,
    TokenizeConfig,
    choose_tool_format,
    generated_text,
    tokenize_trajectories,
)
from toolmind.schema import FunctionSpec, Message, ToolCall, ToolSpec, Trajectory, TurnLabel
from toolmind.testing.conversations import random_conversation

WEATHER = ToolSpec(
    function=FunctionSpec(
        name="get_weather",
        description="Current weather of a city",
        parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    )
)


def self_correction(record_id: str = "sc", city: str = "Paris") -> Trajectory:
    """A bad call (masked), its error, the corrected call, the answer, then a second query."""
    messages = [
        Message(role="system", content="Be brief."),
        Message(role="user", content=f"Weather in {city}?"),
        Message(
            role="assistant",
            content="",
            reasoning_content="Call the tool with town.",
            tool_calls=[ToolCall.make("c1", "get_weather", {"town": city})],
        ),
        Message(role="tool", content='{"error": "missing required argument city"}', tool_call_id="c1"),
        Message(
            role="assistant",
            content="",
            reasoning_content="The argument is called city.",
            tool_calls=[ToolCall.make("c2", "get_weather", {"city": city})],
        ),
        Message(role="tool", content='{"temp_c": 5}', tool_call_id="c2"),
        Message(role="assistant", content=f"It is 5 °C in {city}.", reasoning_content="Answer."),
        Message(role="user", content="Thanks!"),
        Message(role="assistant", content="You're welcome."),
    ]
    labels = [
        TurnLabel(message_index=2, train=False, reasons=["wrong argument name"]),
        TurnLabel(message_index=4),
        TurnLabel(message_index=6),
        TurnLabel(message_index=8),
    ]
    return Trajectory(id=record_id, tools=[WEATHER], messages=messages, labels=labels)


def labelled_runs(sample: Any) -> list[list[int]]:
    """Maximal runs of consecutive labelled tokens."""
    runs: list[list[int]] = []
    previous = IGNORE_INDEX
    for label in sample.labels:
        if label != IGNORE_INDEX:
            if previous == IGNORE_INDEX:
                runs.append([])
            runs[-1].append(label)
        previous = label
    return runs


@pytest.mark.parametrize("mode", ["per_turn", "multi_turn"])
def test_labelled_tokens_are_exactly_the_trainable_turns(tiny_tokenizer: Any, mode: str) -> None:
    traj = self_correction()
    samples, stats = tokenize_trajectories([traj], tiny_tokenizer, TokenizeConfig(mask_mode=mode))
    # What the model generates for each trainable turn: reasoning + reply/tool calls + <|im_end|>.
    expected = {i: generated_text(traj.messages[i]) for i in (4, 6, 8)}
    assert expected[4].startswith("<think>\nThe argument is called city.\n</think>\n\n<tool_call>")
    assert expected[8] == "<think>\n\n</think>\n\nYou're welcome.<|im_end|>"
    decoded = [[tiny_tokenizer.decode(run) for run in labelled_runs(s)] for s in samples]
    if mode == "per_turn":
        assert [s.turns for s in samples] == [[4], [6], [8]]
        assert decoded == [[expected[4]], [expected[6]], [expected[8]]]
    else:
        assert [s.turns for s in samples] == [[4, 6, 8]]
        assert decoded == [[expected[4], expected[6], expected[8]]]
    for sample in samples:
        assert len(sample.input_ids) == len(sample.labels)
        for token, label in zip(sample.input_ids, sample.labels, strict=True):
            assert label in (IGNORE_INDEX, token)
        text = tiny_tokenizer.decode(sample.input_ids)
        # The masked bad call stays in context (the model sees its error and the correction) ...
        assert '"town": "Paris"' in text
        # ... but none of its tokens, and no tool output, system or user text, carries a label.
        labelled_text = "".join(tiny_tokenizer.decode(run) for run in labelled_runs(sample))
        for never in ('"town"', "missing required", "temp_c", "Be brief", "Weather in", "Thanks!"):
            assert never not in labelled_text
    assert stats.label_tokens == sum(len(run) for s in samples for run in labelled_runs(s))


def test_per_turn_sample_is_the_inference_prompt_plus_the_turn(tiny_tokenizer: Any) -> None:
    traj = self_correction()
    samples, _ = tokenize_trajectories([traj], tiny_tokenizer, TokenizeConfig(mask_mode="per_turn"))
    for sample in samples:
        turn = sample.turns[0]
        prompt = render(traj.messages[:turn], traj.tools, add_generation_prompt=True)
        first_label = next(i for i, label in enumerate(sample.labels) if label != IGNORE_INDEX)
        # The unlabelled prefix is token for token what the model is given at inference.
        assert sample.input_ids[:first_label] == tiny_tokenizer(prompt, add_special_tokens=False)["input_ids"]
        # The whole sample is the rendered conversation up to the turn (history reasoning dropped).
        full = render(traj.messages[: turn + 1], traj.tools)
        assert tiny_tokenizer.decode(sample.input_ids) == full
    last = tiny_tokenizer.decode(samples[-1].input_ids)
    assert "Call the tool with town." not in last  # reasoning before the last user query is dropped


def test_multi_turn_keeps_reasoning_and_is_prefix_consistent(tiny_tokenizer: Any) -> None:
    traj = self_correction()
    (sample,), _ = tokenize_trajectories([traj], tiny_tokenizer, TokenizeConfig(mask_mode="multi_turn"))
    text = tiny_tokenizer.decode(sample.input_ids)
    for reasoning in ("Call the tool with town.", "The argument is called city.", "Answer."):
        assert reasoning in text
    # Every labelled turn starts right after an inference prompt ending in `<|im_start|>assistant\n`.
    starts = [
        i for i in range(1, len(sample.labels)) if sample.labels[i] != IGNORE_INDEX == sample.labels[i - 1]
    ]
    assert len(starts) == 3
    for start in starts:
        assert tiny_tokenizer.decode(sample.input_ids[:start]).endswith("<|im_start|>assistant\n")
    # It ends with the last trainable turn (and the newline the format puts after every turn).
    assert text.endswith("You're welcome.<|im_end|>\n")


@pytest.mark.parametrize("mode", ["multi_turn", "per_turn"])
def test_dropped_reasoning_leaves_the_calls_and_their_labels(tiny_tokenizer: Any, mode: str) -> None:
    traj = self_correction()
    kept, _ = tokenize_trajectories([traj], tiny_tokenizer, TokenizeConfig(mask_mode=mode))
    dropped, _ = tokenize_trajectories(
        [traj], tiny_tokenizer, TokenizeConfig(mask_mode=mode, reasoning="drop")
    )
    assert [s.turns for s in dropped] == [s.turns for s in kept]  # the same turns are trained
    for sample in dropped:
        text = tiny_tokenizer.decode(sample.input_ids)
        labelled = tiny_tokenizer.decode([t for t in sample.labels if t != IGNORE_INDEX])
        for reasoning in ("Call the tool with town.", "The argument is called city.", "Answer."):
            assert reasoning not in text
        assert labelled.rstrip().endswith("<|im_end|>") and "</think>" in labelled  # the turn, no reasoning
    assert sum(len(s.input_ids) for s in dropped) < sum(len(s.input_ids) for s in kept)
    with pytest.raises(ValueError, match="reasoning"):
        TokenizeConfig(reasoning="hide")


@pytest.mark.parametrize("mode", ["multi_turn", "per_turn"])
def test_masked_result_replies_stay_in_context_unlabelled(tiny_tokenizer: Any, mode: str) -> None:
    traj = self_correction()
    samples, stats = tokenize_trajectories(
        [traj], tiny_tokenizer, TokenizeConfig(mask_mode=mode, result_replies="mask")
    )
    # Turn 6 answers from the tool result: unlabelled. The call (4) and the reply to the user (8) train.
    expected = {i: generated_text(traj.messages[i]) for i in (4, 8)}
    decoded = [[tiny_tokenizer.decode(run) for run in labelled_runs(s)] for s in samples]
    if mode == "per_turn":
        assert [s.turns for s in samples] == [[4], [8]] and [s.source_turns for s in samples] == [[4], [8]]
        assert decoded == [[expected[4]], [expected[8]]]
    else:
        assert [s.turns for s in samples] == [[4, 8]] and [s.source_turns for s in samples] == [[4, 6, 8]]
        assert decoded == [[expected[4], expected[8]]]
    assert "It is 5 °C in Paris." in tiny_tokenizer.decode(samples[-1].input_ids)  # still in context
    assert stats.masked_result_replies == 1 and "1 replies to tool results unlabelled" in stats.summary()


def test_masked_result_replies_end_a_conversation_at_its_last_decision(tiny_tokenizer: Any) -> None:
    traj = self_correction()
    traj = traj.model_copy(update={"messages": traj.messages[:7], "labels": traj.labels[:3]})
    (trained,), _ = tokenize_trajectories([traj], tiny_tokenizer, TokenizeConfig(mask_mode="multi_turn"))
    (masked,), _ = tokenize_trajectories(
        [traj], tiny_tokenizer, TokenizeConfig(mask_mode="multi_turn", result_replies="mask")
    )
    # Nothing after the corrected call is trained, so the sample stops there: fewer tokens, same prefix.
    assert masked.turns == [4] and len(masked.input_ids) < len(trained.input_ids)
    assert masked.input_ids == trained.input_ids[: len(masked.input_ids)]
    assert tiny_tokenizer.decode(masked.input_ids).rstrip().endswith("</tool_call><|im_end|>")
    # A conversation whose only trainable turn answers from a result has nothing left: skipped, counted.
    only_reply = traj.model_copy(update={"labels": [TurnLabel(message_index=6)]})
    samples, stats = tokenize_trajectories(
        [only_reply], tiny_tokenizer, TokenizeConfig(mask_mode="multi_turn", result_replies="mask")
    )
    assert samples == [] and stats.skipped_no_trainable == 1
    with pytest.raises(ValueError, match="result_replies"):
        TokenizeConfig(result_replies="drop")


def test_first_turn_is_the_multi_turn_sample_cut_after_its_first_trainable_turn(tiny_tokenizer: Any) -> None:
    traj = self_correction()
    (whole,), _ = tokenize_trajectories([traj], tiny_tokenizer, TokenizeConfig(mask_mode="multi_turn"))
    (first,), stats = tokenize_trajectories([traj], tiny_tokenizer, TokenizeConfig(mask_mode="first_turn"))
    # The masked bad call (2) and its error stay in context; the corrected call (4) is the one label.
    assert first.turns == [4] and [tiny_tokenizer.decode(run) for run in labelled_runs(first)] == [
        generated_text(traj.messages[4])
    ]
    assert first.input_ids == whole.input_ids[: len(first.input_ids)]  # the same prefix, then cut
    assert "It is 5 °C" not in tiny_tokenizer.decode(first.input_ids)
    # Same identity for the sample order as the multi_turn sample: both modes read conversations alike.
    assert first.source_turns == whole.source_turns and stats.samples == 1
    # A conversation whose only trainable turn is a reply to a tool result has no turn left once the
    # replies are masked: skipped and counted, as in the other modes.
    only_reply = traj.model_copy(update={"labels": [TurnLabel(message_index=6)]})
    samples, stats = tokenize_trajectories(
        [only_reply], tiny_tokenizer, TokenizeConfig(mask_mode="first_turn", result_replies="mask")
    )
    assert samples == [] and stats.skipped_no_trainable == 1


def test_piecewise_tokens_equal_whole_text_tokens(tiny_tokenizer: Any) -> None:
    """Cutting at turn boundaries does not change the tokens when a turn opens with its think block
    (every turn that answers a user query): the boundaries then sit next to added tokens. A turn that
    renders without one (no real user query before it) is tokenized as the model would generate it."""
    rng = random.Random(11)
    checked = 0
    for n in range(120):
        case = random_conversation(rng)
        traj = Trajectory(id=f"r{n}", tools=case.tools, messages=case.messages)
        if not traj.trainable_indices():
            continue
        for mode in ("per_turn", "multi_turn"):
            samples, _ = tokenize_trajectories([traj], tiny_tokenizer, TokenizeConfig(mask_mode=mode))
            for sample in samples:
                runs = [tiny_tokenizer.decode(run) for run in labelled_runs(sample)]
                if not all(run.startswith("<think>") for run in runs):
                    continue
                text = tiny_tokenizer.decode(sample.input_ids)
                assert sample.input_ids == tiny_tokenizer(text, add_special_tokens=False)["input_ids"]
                checked += 1
    assert checked > 100


def test_bad_records_are_skipped_and_counted_never_truncated(tiny_tokenizer: Any) -> None:
    good = self_correction("good")
    untrainable = self_correction("all-masked")
    for label in untrainable.labels:
        label.train = False
    long_city = "Llanfairpwllgwyngyll " * 200
    overlong = self_correction("long", city=long_city)
    config = TokenizeConfig(mask_mode="multi_turn", max_length=600)
    samples, stats = tokenize_trajectories([good, untrainable, overlong], tiny_tokenizer, config)
    assert [s.trajectory_id for s in samples] == ["good"]
    assert stats.conversations == 3
    assert stats.skipped_no_trainable == 1
    assert stats.skipped_overlong == 1
    assert stats.skipped_ids == {"no_trainable_turn": ["all-masked"], "over_max_length": ["long@8"]}
    assert all(any(label != IGNORE_INDEX for label in s.labels) for s in samples)
    assert all(len(s.input_ids) <= 600 for s in samples)
    assert "1 without a trainable turn" in stats.summary()
    with pytest.raises(ValueError, match=r"record 'long' turn\(s\) \[4, 6, 8\]: \d+ tokens > max_length 600"):
        tokenize_trajectories(
            [overlong],
            tiny_tokenizer,
            TokenizeConfig(mask_mode="multi_turn", max_length=600, overlong_policy="error"),
        )


def test_per_turn_skips_only_the_overlong_turns(tiny_tokenizer: Any) -> None:
    traj = self_correction()
    lengths = [len(s.input_ids) for s in tokenize_trajectories([traj], tiny_tokenizer, TokenizeConfig())[0]]
    limit = max(lengths) - 1  # the longest sample does not fit, the others do
    samples, stats = tokenize_trajectories([traj], tiny_tokenizer, TokenizeConfig(max_length=limit))
    longest = [4, 6, 8][lengths.index(max(lengths))]
    assert [s.turns for s in samples] == [[t] for t in (4, 6, 8) if t != longest]
    assert stats.skipped_overlong == 1


def test_tool_formats(tiny_tokenizer: Any) -> None:
    traj = self_correction()
    openai, _ = tokenize_trajectories([traj], tiny_tokenizer, TokenizeConfig(tool_format="openai"))
    bare, _ = tokenize_trajectories([traj], tiny_tokenizer, TokenizeConfig(tool_format="bare"))
    wrapped = json.dumps(WEATHER.openai(), ensure_ascii=False)
    plain = json.dumps(WEATHER.function.model_dump(), ensure_ascii=False)
    assert wrapped in tiny_tokenizer.decode(openai[0].input_ids)
    bare_text = tiny_tokenizer.decode(bare[0].input_ids)
    assert plain in bare_text and '"type": "function"' not in bare_text
    # The labels (what the model generates) do not depend on how tools are listed.
    assert [labelled_runs(s) for s in openai] == [labelled_runs(s) for s in bare]


def test_bare_description_suffix_matches_bfcl_and_leaves_labels(tiny_tokenizer: Any) -> None:
    from toolmind.eval.bfcl.prompt import prepare_entry

    traj = self_correction()
    suffix = " Note that the provided function is in Python 3 syntax."
    hinted, _ = tokenize_trajectories(
        [traj], tiny_tokenizer, TokenizeConfig(tool_format="bare", bare_description_suffix=suffix)
    )
    plain, _ = tokenize_trajectories([traj], tiny_tokenizer, TokenizeConfig(tool_format="bare"))
    wrapped, _ = tokenize_trajectories(
        [traj], tiny_tokenizer, TokenizeConfig(tool_format="openai", bare_description_suffix=suffix)
    )
    # The description as BFCL's own loader rewrites a Python function doc.
    bfcl_doc = {"id": "simple_python_0", "function": [WEATHER.function.model_dump()], "question": [[]]}
    expected = json.dumps(prepare_entry(bfcl_doc)["function"][0], ensure_ascii=False)
    assert expected in tiny_tokenizer.decode(hinted[0].input_ids)
    assert suffix not in tiny_tokenizer.decode(plain[0].input_ids)
    assert suffix not in tiny_tokenizer.decode(wrapped[0].input_ids)  # OpenAI specs stay as Qwen3 shows them
    assert [labelled_runs(s) for s in hinted] == [labelled_runs(s) for s in plain]
    assert traj.tools[0].function.description == "Current weather of a city"  # the record is not edited


def test_mixed_tool_format_is_seeded_per_sample() -> None:
    config = TokenizeConfig(tool_format="mixed", bare_tool_fraction=0.5, seed=3)
    picks = [choose_tool_format(config, f"t{i}:4") for i in range(400)]
    assert picks == [choose_tool_format(config, f"t{i}:4") for i in range(400)]  # stable
    assert 150 < picks.count("bare") < 250
    other_seed = [
        choose_tool_format(TokenizeConfig(tool_format="mixed", seed=4), f"t{i}:4") for i in range(400)
    ]
    assert picks != other_seed
    never = TokenizeConfig(tool_format="mixed", bare_tool_fraction=0.0)
    assert {choose_tool_format(never, f"t{i}") for i in range(50)} == {"openai"}


def test_multi_turn_needs_fewer_tokens_than_per_turn(tiny_tokenizer: Any) -> None:
    trajs = [self_correction(f"t{i}", city=c) for i, c in enumerate(["Paris", "Oslo", "Lima"])]
    per_turn = tokenize_trajectories(trajs, tiny_tokenizer, TokenizeConfig(mask_mode="per_turn"))[1]
    multi = tokenize_trajectories(trajs, tiny_tokenizer, TokenizeConfig(mask_mode="multi_turn"))[1]
    assert per_turn.samples == 9 and multi.samples == 3
    assert multi.tokens < per_turn.tokens / 2
    # Labelled tokens differ only by the reasoning multi_turn keeps: none here on the labelled turns.
    assert multi.label_tokens == per_turn.label_tokens


def test_config_rejects_unknown_modes() -> None:
    with pytest.raises(ValueError, match="mask_mode"):
        TokenizeConfig(mask_mode="everything")
    with pytest.raises(ValueError, match="tool_format"):
        TokenizeConfig(tool_format="xml")


def test_bare_tools_with_python_type_names() -> None:
    from toolmind.data.tokenize import python_types

    schema = {
        "type": "object",
        "properties": {
            "type": {"type": "string"},  # a parameter *named* "type" stays a property
            "amount": {"type": "number"},
            "filters": {"type": "object", "properties": {"min": {"type": "number"}}},
            "ids": {"type": "array", "items": {"type": "integer"}},
        },
        "required": ["amount"],
    }
    assert python_types(schema) == {
        "type": "dict",
        "properties": {
            "type": {"type": "string"},
            "amount": {"type": "float"},
            "filters": {"type": "dict", "properties": {"min": {"type": "float"}}},
            "ids": {"type": "array", "items": {"type": "integer"}},
        },
        "required": ["amount"],
    }
