"""Generation end to end: a tiny Qwen3 checkpoint, the multi-turn loop, resume, report comparison."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolmind.eval.bfcl.data import load_answers, load_questions
from toolmind.eval.bfcl.generators import GenOutput, GenRequest
from toolmind.eval.bfcl.multiturn import BackendExecutor, run_conversations
from toolmind.eval.bfcl.oracle import parse_call_string
from toolmind.eval.bfcl.prompt import prepare_entry, render_tool_calls
from toolmind.eval.bfcl.report import compare_reports, overall, wilson_interval
from toolmind.eval.bfcl.results import append_results, load_results, model_key, open_run_dir, result_file
from toolmind.eval.bfcl.runner import BFCLConfig, evaluate
from toolmind.eval.bfcl.score import score_run


def test_tiny_checkpoint_end_to_end_and_resume(tiny_qwen3_dir: Path, tmp_path: Path) -> None:
    cfg = BFCLConfig(
        model=str(tiny_qwen3_dir),
        out=str(tmp_path / "out"),
        categories="simple_python,irrelevance",
        sample=2,
        seed=1,
        max_new_tokens=6,
        batch_size=2,
    )
    report = evaluate(cfg)
    assert report["generated_entries"] == 4
    assert {c: v["total"] for c, v in report["categories"].items()} == {"simple_python": 2, "irrelevance": 2}
    assert report["bfcl_version"] == "2026.3.23"
    assert report["not_run"]["multi_turn_base"] == "not requested"
    rows = load_results(result_file(Path(report["result_dir"]), "simple_python"))
    assert len(rows) == 2 and all(isinstance(r["result"], str) for r in rows.values())
    assert all(r["input_token_count"] > 100 and 0 < r["output_token_count"] <= 8 for r in rows.values())
    again = evaluate(cfg)  # a rerun generates nothing and scores the same
    assert again["generated_entries"] == 0 and again["categories"] == report["categories"]
    key, _ = model_key(cfg.model, cfg.settings())
    assert Path(report["result_dir"]).name == key
    off = BFCLConfig(**{**cfg.__dict__, "thinking": False})
    assert model_key(off.model, off.settings())[0] != key  # other settings: own result dir


class GroundTruthModel:
    """Test double: replays each turn's official calls, then says it is done (drives the real loop)."""

    name = "ground-truth"

    def __init__(self, category: str) -> None:
        answers = {a["id"]: a["ground_truth"] for a in load_answers(category)}
        self.by_first_user = {}
        for e in load_questions(category):
            docs = {d["name"]: d for d in e["function"]}
            for held in (e.get("missed_function") or {}).values():
                docs.update({d["name"]: d for d in held})
            self.by_first_user[e["question"][0][0]["content"]] = (answers[e["id"]], docs)

    def generate(self, batch: list[GenRequest]) -> list[GenOutput]:
        outs = []
        for req in batch:
            truth, docs = self.by_first_user[next(m for m in req.messages if m["role"] == "user")["content"]]
            turn = sum(1 for m in req.messages if m["role"] == "user") - 1
            calls = truth[turn] if req.messages[-1]["role"] == "user" else []
            text = render_tool_calls([parse_call_string(c, docs) for c in calls]) if calls else "Done."
            outs.append(GenOutput("<think>\nok\n</think>\n\n" + text, 10, 5))
        return outs


def test_multi_turn_loop_with_official_backends(tmp_path: Path) -> None:
    category = "multi_turn_miss_func"
    ids = ["multi_turn_miss_func_0", "multi_turn_miss_func_3"]
    entries = [prepare_entry(e) for e in load_questions(category) if e["id"] in ids]
    with BackendExecutor(tmp_path / "exec") as ex:
        rows = run_conversations(entries, GroundTruthModel(category), ex, thinking=True)
    assert rows[0]["reasoning_content"][0] == ["ok", "ok"]
    assert rows[0]["result"][0][-1] == "Done."
    run_dir = open_run_dir(tmp_path / "out", "gt-model", {})
    append_results(result_file(run_dir, category), rows)
    scored = score_run(run_dir, tmp_path / "out", {category: ids}, partial=True)
    assert (scored.scores[category].correct, scored.scores[category].total) == (2, 2)


def test_report_math_and_comparison(tmp_path: Path) -> None:
    lo, hi = wilson_interval(8, 10)
    assert lo == pytest.approx(0.4902, abs=1e-4) and hi == pytest.approx(0.9433, abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    lo, hi = wilson_interval(17, 30)
    assert abs(lo - 0.392) < 0.002 and abs(hi - 0.728) < 0.002
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0
    acc = {"simple_python": 1.0, "multiple": 1.0, "parallel": 1.0, "parallel_multiple": 1.0}
    assert overall(acc, skip_missing=False) == pytest.approx(0.1 * (1 / 3 + 1 + 1 + 1) / 4)
    assert overall(acc, skip_missing=True) == pytest.approx(1.0)
    paths = {}
    for label, correct in (("base", 5), ("tuned", 9)):
        rep = {
            "model": label,
            "categories": {
                "simple_python": {
                    "accuracy": correct / 10,
                    "correct": correct,
                    "total": 10,
                    "ci95": list(wilson_interval(correct, 10)),
                }
            },
            "overall": {"v4": 0.1, "over_run": 0.5},
        }
        paths[label] = tmp_path / f"{label}.json"
        paths[label].write_text(json.dumps(rep))
    md = compare_reports(paths, tmp_path / "cmp").read_text()
    assert "| simple_python | 50.00" in md and "+40.00" in md
    assert (tmp_path / "cmp" / "comparison.png").is_file()


class NoteTaker:
    """Test double for memory: stores one fact per pre-requisite turn, answers questions from context."""

    name = "note-taker"

    def __init__(self) -> None:
        self.question_prompts: list[str] = []

    def generate(self, batch: list[GenRequest]) -> list[GenOutput]:
        outs = []
        for req in batch:
            last = req.messages[-1]
            prereq = "For your final answer" not in req.messages[0]["content"]
            if last["role"] == "user" and prereq:
                turn = sum(1 for m in req.messages if m["role"] == "user")
                call = {
                    "name": "core_memory_add",
                    "arguments": {
                        "key": f"fact_{turn}_{len(req.prompt) % 97}",
                        "value": last["content"][:30],
                    },
                }
                outs.append(GenOutput(render_tool_calls([call])))
            elif last["role"] == "user":
                self.question_prompts.append(req.prompt)
                outs.append(GenOutput("{'answer': 'I do not know', 'context': 'test'}"))
            else:
                outs.append(GenOutput("Noted."))
        return outs


def test_memory_prereqs_then_questions(tmp_path: Path) -> None:
    from toolmind.eval.bfcl.agentic import generate_agentic, snapshot_file

    run_dir = open_run_dir(tmp_path / "out", "note-taker", {})
    entries = [e for e in load_questions("memory_kv") if e["scenario"] == "notetaker"][:2]
    model = NoteTaker()
    generate_agentic("memory_kv", entries, run_dir, model, tmp_path / "work", thinking=False, batch_size=2)
    snap = json.loads(snapshot_file(run_dir, "memory_kv", "notetaker").read_text())
    assert len(snap["core_memory"]) >= 2
    prereq_rows = load_results(result_file(run_dir, "memory_kv_prereq"))
    assert prereq_rows and all("notetaker" in i for i in prereq_rows)
    # every question starts from the snapshot: its system prompt shows the stored facts
    assert len(model.question_prompts) == 2
    assert all(next(iter(snap["core_memory"])) in p for p in model.question_prompts)
    rows = load_results(result_file(run_dir, "memory_kv"))
    assert sorted(rows) == sorted(e["id"] for e in entries)
    scored = score_run(run_dir, tmp_path / "out", {"memory_kv": sorted(rows)}, partial=True)
    assert scored.scores["memory_kv"].total == 2


def test_litellm_endpoint_native_tool_calls(tmp_path: Path) -> None:
    """An OpenAI-compatible server on 127.0.0.1: tools go out in OpenAI form, calls come back as Qwen FC text."""
    from toolmind.llm.stub_server import StubServer

    def responder(request: dict) -> dict:
        tool = request["tools"][0]["function"]
        if request["messages"][-1]["role"] == "user":
            call = {
                "id": "c1",
                "type": "function",
                "function": {"name": tool["name"], "arguments": '{"x": 1}'},
            }
            return {"content": "", "tool_calls": [call], "reasoning_content": "hmm"}
        return {"content": "done"}

    with StubServer(responder=responder) as server:
        cfg = BFCLConfig(
            model="openai/stub",
            out=str(tmp_path / "out"),
            backend="litellm",
            api_base=server.base_url,
            categories="live_simple,multi_turn_base",
            sample=2,
            seed=5,
            max_new_tokens=64,
        )
        report = evaluate(cfg)
        sent = [r.body for r in server.recorded]
    assert report["categories"]["live_simple"]["total"] == 2
    first = sent[0]["tools"][0]["function"]
    assert first["parameters"]["type"] == "object" and "." not in first["name"]
    rows = load_results(result_file(Path(report["result_dir"]), "live_simple"))
    entries = {e["id"]: e for e in load_questions("live_simple")}
    for row in rows.values():
        name = entries[row["id"]]["function"][0]["name"]
        assert row["result"] == render_tool_calls([{"name": name, "arguments": {"x": 1}}])
        assert row["reasoning_content"] == "hmm"
    mt = load_results(result_file(Path(report["result_dir"]), "multi_turn_base"))
    assert all(turn[-1] == "done" for row in mt.values() for turn in row["result"])
    assert any(m["role"] == "tool" for body in sent for m in body["messages"])


def test_result_files_resume_and_refuse_foreign_dirs(tmp_path: Path) -> None:
    run_dir = open_run_dir(tmp_path, "model-a", {"thinking": True})
    path = result_file(run_dir, "simple_python")
    append_results(path, [{"id": "simple_python_1", "result": "x"}])
    with path.open("a") as fh:
        fh.write('{"id": "simple_python_2", "res')  # killed mid-line
    assert list(load_results(path)) == ["simple_python_1"]
    assert path.read_text().count("\n") == 1
    with path.open("a") as fh:
        fh.write("not json\n" + json.dumps({"id": "simple_python_3", "result": ""}) + "\n")
    with pytest.raises(ValueError, match=r"BFCL_v4_simple_python_result.json:2: invalid JSON"):
        load_results(path)
    manifest = run_dir / "manifest.json"
    manifest.write_text(manifest.read_text().replace("model-a", "model-b"))
    with pytest.raises(RuntimeError, match="different model"):
        open_run_dir(tmp_path, "model-a", {"thinking": True})


def test_generate_here_score_elsewhere(
    tiny_qwen3_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The GPU-generates, CPU-scores workflow: the checkpoint is gone when its outputs are scored."""
    import shutil

    from toolmind.cli import main as toolmind_main

    ckpt = tmp_path / "ckpt"
    shutil.copytree(tiny_qwen3_dir, ckpt)
    gpu = tmp_path / "gpu"
    select = ["--sample", "2", "--seed", "1"]
    gen = [
        "eval",
        "bfcl",
        "--model",
        str(ckpt),
        "--out",
        str(gpu),
        "--categories",
        "simple_python,irrelevance",
    ]
    gen += [*select, "--max-new-tokens", "6", "--no-thinking", "--generate-only"]
    assert toolmind_main(gen) == 0
    assert "generated 4 entries" in capsys.readouterr().out
    assert not (gpu / "report.json").exists() and not (gpu / "score").exists()
    # The reference: the same outputs scored where the checkpoint is (nothing left to generate).
    cfg = BFCLConfig(
        model=str(ckpt), out=str(gpu), categories="simple_python,irrelevance", sample=2, seed=1,
        max_new_tokens=6, thinking=False,
    )  # fmt: skip
    reference = evaluate(cfg)
    assert reference["generated_entries"] == 0
    copied = tmp_path / "copied"
    shutil.copytree(reference["result_dir"], copied)
    shutil.rmtree(ckpt)
    shutil.rmtree(gpu)

    out = tmp_path / "scored"
    args = ["eval", "bfcl", "--results", str(copied), "--out", str(out), *select]
    assert toolmind_main([*args, "--categories", "simple_python,irrelevance,multiple"]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["model"] == str(ckpt) and report["generated_entries"] == 0
    assert report["categories"] == reference["categories"]
    # The settings are the generation's (from the manifest), not this command's defaults.
    assert report["settings"]["thinking"] is False and report["settings"]["max_new_tokens"] == 6
    assert report["checkpoint"]["weights"] == reference["checkpoint"]["weights"]
    # Asked for but never generated: reported as not run, never scored as if it had run.
    assert report["not_run"]["multiple"] == "2 of 2 entries not generated"

    with pytest.raises(SystemExit, match="exclude each other"):
        toolmind_main([*args, "--categories", "simple_python", "--generate-only"])
    (copied / "manifest.json").unlink()
    with pytest.raises(SystemExit, match=r"copied/manifest.json: not found"):
        toolmind_main([*args, "--categories", "simple_python"])
    with pytest.raises(ValueError, match=r"manifest.json: not found"):
        evaluate(BFCLConfig(model="m", out=str(out), results=str(copied)))
