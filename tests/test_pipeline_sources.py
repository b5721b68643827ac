"""A stage's key covers the toolmind code its command runs: code changes rerun it, comments do not."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from toolmind.pipeline import sources
from toolmind.pipeline.config import load_pipeline_config
from toolmind.pipeline.runner import Stage, run_stage, stage_record
from toolmind.pipeline.sources import code_files, code_hash, entry_module
from toolmind.pipeline.stages import build_stages

# A small package of the shape toolmind has: a subcommand module importing its work inside a function,
# a prompt shipped as data, a relative import, and a package the command never imports.
PACKAGE = {
    "__init__.py": "",
    "a/__init__.py": "",
    "a/commands.py": '''
"""The subcommand."""
import sys
from pathlib import Path


def main() -> None:
    from fakemind.a import work

    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    runs = out.parent / "runs.txt"
    runs.write_text((runs.read_text() if runs.exists() else "") + "x")
    (out / "result.txt").write_text(str(work.value()))


if __name__ == "__main__":
    main()
''',
    "a/work.py": '''
"""The work."""
from .helper import base


def value() -> int:
    return base() + 1  # one more
''',
    "a/helper.py": "def base() -> int:\n    return 1\n",
    "a/prompts/user.txt": "Ask for the weather.\n",
    "b/__init__.py": "",
    "b/other.py": "X = 1\n",
}


@pytest.fixture
def fake_root(tmp_path: Path) -> Path:
    root = tmp_path / "pkg" / "fakemind"
    for name, text in PACKAGE.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_each_stage_is_keyed_by_its_own_subcommands_code() -> None:
    stages = {s.name: s for s in build_stages(load_pipeline_config("recipes/pipelines/demo.yaml"))}
    assert entry_module(stages["graph"].argv) == "toolmind.graph.commands"
    assert entry_module(stages["data"].argv) == "toolmind.data.commands"
    assert entry_module(stages["bfcl-tuned"].argv) == "toolmind.eval.bfcl.commands"
    assert entry_module(stages["base_model"].argv) == "toolmind.train.commands"
    assert entry_module(stages["train"].argv) == "toolmind.train.sft"
    launched = [
        "python",
        "-m",
        "accelerate.commands.launch",
        "--config_file",
        "x.yaml",
        "-m",
        "toolmind.train.sft",
    ]
    assert entry_module([*launched, "--config", "c.yaml"]) == "toolmind.train.sft"
    assert entry_module(["python", "stage.py", "out"]) is None
    assert entry_module(["python", "-m", "json.tool"]) is None

    graph = {f.relative_to(sources.ROOT).as_posix() for f in code_files("toolmind.graph.commands")}
    # The embedder and the embedded tool pool make the graph; training code does not.
    assert {"graph/embed.py", "graph/search.py", "tools/pool.py"} <= graph
    assert any(name.startswith("tools/data/") for name in graph)
    assert "train/sft.py" not in graph and "eval/bfcl/runner.py" not in graph
    train = {f.relative_to(sources.ROOT).as_posix() for f in code_files("toolmind.train.sft")}
    assert any(name.startswith("chat/templates/") for name in train)
    assert "synth/agents.py" not in train


def test_code_hash_follows_lazy_and_relative_imports_and_ignores_comments(fake_root: Path) -> None:
    files = {f.relative_to(fake_root).as_posix() for f in code_files("fakemind.a.commands", fake_root)}
    assert files == {
        "__init__.py",
        "a/__init__.py",
        "a/commands.py",
        "a/work.py",
        "a/helper.py",
        "a/prompts/user.txt",
    }

    def digest() -> str:
        return code_hash("fakemind.a.commands", fake_root)

    before = digest()
    _edit(fake_root / "a/work.py", "# one more", "# one more, as the paper does")
    _edit(fake_root / "a/work.py", '"""The work."""', '"""The work, documented at length."""')
    _edit(fake_root / "a/helper.py", "    return 1", "\n    return (1)")
    (fake_root / "b/other.py").write_text("X = 2\n")
    assert digest() == before
    _edit(fake_root / "a/helper.py", "return (1)", "return 2")
    after_code = digest()
    assert after_code != before
    (fake_root / "a/prompts/user.txt").write_text("Ask for the time.\n")
    assert digest() != after_code


def test_a_finished_stage_reruns_when_its_code_changes_not_its_comments(
    fake_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(sources, "ROOT", fake_root)
    out = tmp_path / "stage"
    stage = Stage(
        name="fake",
        argv=[sys.executable, "-m", "fakemind.a.commands", str(out)],
        out=out,
        env={"PYTHONPATH": str(fake_root.parent)},
    )
    logs = tmp_path / "logs"

    def runs() -> int:
        return len((tmp_path / "runs.txt").read_text())

    run_stage(stage, logs_dir=logs)
    assert (out / "result.txt").read_text() == "2"
    assert stage_record(out)["code"] == code_hash("fakemind.a.commands", fake_root)
    _edit(fake_root / "a/work.py", "# one more", "# one more, always")
    run_stage(stage, logs_dir=logs)
    assert runs() == 1
    _edit(fake_root / "a/helper.py", "return 1", "return 41")
    with caplog.at_level(logging.INFO, logger="toolmind.pipeline.runner"):
        run_stage(stage, logs_dir=logs)
    assert runs() == 2
    assert (out / "result.txt").read_text() == "42"
    assert "code for it changed" in caplog.text
