"""The toolmind code a stage's command runs, hashed into the stage's key.

Keys hashed the command line and the inputs only, so a run directory made by an older toolmind counted as
finished after an upgrade that changed what a stage writes: `make demo` over an old `runs/demo` kept the
float32 graph of before 7df8aaa, and with it the old chains, data and model. Now a stage reruns when its
code changes. Its code is found by following `toolmind` imports, those inside functions included (the
commands import their heavy modules lazily), from the module that defines the stage's subcommand; the
hash covers those modules' syntax trees without docstrings, so comments, docstrings and formatting do not
rerun a stage, and the data files their packages ship (prompts, chat templates, the tool pool).

Third-party versions are not keyed: they are recorded with every stage (`machine` in `.stage.json`).
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import toolmind

ROOT = Path(toolmind.__file__).resolve().parent

# Keyed by (path, mtime_ns, size): a pipeline computes every stage's key, twice; parse each file once.
_digests: dict[tuple[str, int, int], str] = {}
_module_imports: dict[tuple[str, int, int], list[str]] = {}


def entry_module(argv: Sequence[str], root: Path | None = None) -> str | None:
    """The module behind a stage's command, or None when it runs no toolmind module.

    `-m toolmind.train.sft` (also after `accelerate launch ... -m`) is that module; `-m toolmind.cli graph
    build` is the `commands` module of the deepest package its words name (`toolmind.eval.bfcl.commands`
    for `eval bfcl`): the CLI itself imports every subcommand, and one stage's key must not change with
    another's code.
    """
    root = root or ROOT
    if "-m" not in argv:
        return None
    # The last `-m`: accelerate's launcher is itself run with `-m` before the module it launches.
    at = len(argv) - 1 - list(reversed(argv)).index("-m")
    module = argv[at + 1] if at + 1 < len(argv) else ""
    top = root.name
    if module != f"{top}.cli":
        return module if module.startswith(f"{top}.") and module_file(module, root) else None
    words: list[str] = []
    for word in argv[at + 2 :]:
        if not word.isidentifier():
            break
        words.append(word)
    for n in range(len(words), 0, -1):
        name = ".".join([top, *words[:n], "commands"])
        if module_file(name, root):
            return name
    return module


def module_file(name: str, root: Path | None = None) -> Path | None:
    """`toolmind.graph.build` → its file under `root` (the `toolmind` package directory), or None."""
    root = root or ROOT
    parts = name.split(".")
    if parts[0] != root.name:
        return None
    base = root.joinpath(*parts[1:])
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def imported_modules(entry: str, root: Path | None = None) -> set[str]:
    """Every module of the package that `entry` imports, directly or not, with the packages above each."""
    root = root or ROOT
    seen: set[str] = set()
    todo = [entry]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = module_file(name, root)
        if path is None:
            continue
        seen.add(name)
        parts = name.split(".")
        todo += [".".join(parts[:n]) for n in range(1, len(parts))]
        todo += [m for m in _file_imports(path, name) if m.split(".")[0] == root.name]
    return seen


def _file_imports(path: Path, name: str) -> list[str]:
    cache_key = _stat_key(path)
    if cache_key not in _module_imports:
        tree = ast.parse(path.read_bytes(), filename=str(path))
        _module_imports[cache_key] = list(_imports(tree, name, path.name == "__init__.py"))
    return _module_imports[cache_key]


def _stat_key(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return str(path), stat.st_mtime_ns, stat.st_size


def _imports(tree: ast.AST, name: str, is_package: bool) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # `from . import x` inside a.b.c (a module) is relative to a.b; inside a package a.b, to a.b.
                package = name.split(".")
                package = package if is_package else package[:-1]
                base = ".".join(
                    package[: len(package) - node.level + 1] + ([node.module] if node.module else [])
                )
            else:
                base = node.module or ""
            yield base
            # `from toolmind.graph import run` names a module; `from toolmind.graph.run import f` a name
            # in one, which `module_file` then does not find.
            yield from (f"{base}.{alias.name}" for alias in node.names)


def code_files(entry: str, root: Path | None = None) -> list[Path]:
    """The modules `entry` runs and the data files shipped in their packages' non-package folders."""
    root = root or ROOT
    files: set[Path] = set()
    for name in imported_modules(entry, root):
        path = module_file(name, root)
        assert path is not None
        files.add(path)
        if path.name == "__init__.py":
            files.update(_package_data(path.parent))
    return sorted(files)


def _package_data(package: Path) -> Iterator[Path]:
    for child in package.iterdir():
        if child.is_dir() and child.name != "__pycache__" and not (child / "__init__.py").exists():
            yield from (p for p in child.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def code_hash(entry: str, root: Path | None = None) -> str:
    """sha256 over the stage's code files, by their path in the package and their meaning."""
    root = root or ROOT
    h = hashlib.sha256()
    for path in code_files(entry, root):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(_digest(path).encode() + b"\0")
    return h.hexdigest()


def _digest(path: Path) -> str:
    cache_key = _stat_key(path)
    if cache_key not in _digests:
        data = path.read_bytes()
        if path.suffix == ".py":
            data = ast.dump(_without_docstrings(ast.parse(data, filename=str(path)))).encode()
        _digests[cache_key] = hashlib.sha256(data).hexdigest()
    return _digests[cache_key]


def _without_docstrings(tree: ast.Module) -> ast.Module:
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                node.body = node.body[1:] or [ast.Pass()]
    return tree


def stage_code(argv: Sequence[str]) -> str | None:
    """The code hash of the stage that runs `argv`; None for a command that is not toolmind's."""
    entry = entry_module(argv)
    return code_hash(entry) if entry else None
