"""Provenance recorded with every run (package, git commit and whether the checkout was dirty, torch version,
device, config hash) and the fingerprint of the code a workflow script runs."""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import dof


def config_hash(config: dict[str, Any]) -> str:
    """A short stable hash of a JSON-serialisable config (key order does not matter)."""
    text = json.dumps(config, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _git(*args: str) -> str | None:
    """The output of a git command run in the package's folder, or None outside git (or without git)."""
    try:
        out = subprocess.run(
            ["git", *args], cwd=Path(__file__).resolve().parent, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout


@functools.lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The commit of the checkout the package runs from, or None outside git."""
    return (_git("rev-parse", "HEAD") or "").strip() or None


PROVENANCE_COLUMNS = ["dof_version", "git_commit", "torch_version", "device", "config_hash"]
"""Provenance columns every record of every stage has (`provenance` and the hash of the run's settings)."""


def provenance(device: str) -> dict[str, Any]:
    """Columns describing the software and hardware that produced a row."""
    import torch  # here: the table jobs that read PROVENANCE_COLUMNS need no torch

    return {
        "dof_version": dof.__version__,
        "git_commit": git_commit(),
        "git_dirty": git_dirty(),
        "torch_version": torch.__version__,
        "device": device,
    }


@functools.lru_cache(maxsize=1)
def git_dirty() -> bool | None:
    """Whether the checkout the package runs from has uncommitted changes to tracked files (None outside git)."""
    status = _git("status", "--porcelain", "--untracked-files=no")
    return None if status is None else bool(status.strip())


def _without_docstrings(tree: ast.AST) -> ast.AST:
    """The syntax tree with every module, class and function docstring removed (they do not change what runs)."""
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and body:
            first = body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                node.body = body[1:] or [ast.Pass()]
    return tree


def _module_files(name: str, roots: tuple[Path, ...]) -> set[Path]:
    """The files of module `name` under the roots (package folders, or a top-level module's file)."""
    parts = name.split(".")
    files = set()
    for root in roots:
        top = root.stem if root.is_file() else root.name
        if parts[0] != top:
            continue
        if root.is_file():
            files |= {root} if len(parts) == 1 else set()
            continue
        base = root.joinpath(*parts[1:])
        files |= {candidate for candidate in (base.with_suffix(".py"), base / "__init__.py") if candidate.is_file()}
    return files


def _package_imports(tree: ast.AST, roots: tuple[Path, ...]) -> set[Path]:
    """The files of the modules under `roots` (the `dof` package, plug-in packages) a syntax tree imports (a
    `from dof.x import name` that is not a module counts as dof.x)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {path for name in names for path in _module_files(name, roots)}


@functools.cache
def _parsed_module(path: Path, stamp: tuple[int, int], roots: tuple[Path, ...]) -> tuple[frozenset[Path], str]:
    """A file's imports under `roots` and the dump of its syntax without docstrings, cached per file version
    (`stamp`: its mtime and size), so that the fingerprints of a workflow's scripts parse each shared module once."""
    tree = ast.parse(path.read_text(), filename=str(path))
    imports = frozenset(_package_imports(tree, roots))
    return imports, ast.dump(_without_docstrings(tree), annotate_fields=False)


def code_fingerprint(script: str | Path, package_root: Path | None = None, plugin_roots: tuple[Path, ...] = ()) -> str:
    """A hash of what a workflow script runs: the syntax of the script and of every `dof` module it imports (and of
    the modules under `plugin_roots` it imports), transitively, without comments, docstrings or formatting; a rule
    that carries it as a param reruns when that code changes and not when an unrelated module, a comment or a
    docstring does."""
    package_root = package_root or Path(dof.__file__).resolve().parent
    roots = (package_root, *plugin_roots)
    pending, parsed, digest = [Path(script).resolve()], {}, hashlib.sha256()
    while pending:
        path = pending.pop()
        if path in parsed:
            continue
        stat = path.stat()
        parsed[path] = _parsed_module(path, (stat.st_mtime_ns, stat.st_size), roots)
        pending.extend(parsed[path][0] - parsed.keys())

    def name(path: Path) -> str:
        """A name independent of where the checkout lives: the module's path inside its root's folder, or the file's
        name."""
        for root in roots:
            if path.is_relative_to(root.parent):
                return str(path.relative_to(root.parent))
        return path.name

    for path in sorted(parsed, key=name):
        digest.update(f"{name(path)}\n{parsed[path][1]}\n".encode())
    return digest.hexdigest()[:16]


def plugin_root(module_file: Path, module: str) -> Path:
    """The folder of a plug-in module's top-level package (the file itself for a top-level module): the modules
    under it that the plug-in imports count in its fingerprint."""
    depth = module.count(".") + (module_file.name == "__init__.py")
    return module_file.parents[depth - 1] if depth else module_file


def plugin_fingerprint(import_path: str, search: Iterable[str] = ()) -> str:
    """The code fingerprint of the module of a plug-in's import path (package.module:callable, found with the
    `search` folders first): its syntax and that of the modules of its own package and of `dof` it imports, without
    comments or docstrings (a comment edit changes nothing)."""
    from dof.engine.plugins import module_file  # here: plugins imports torch, which the table jobs do not need

    module = import_path.partition(":")[0]
    path = module_file(import_path, search)
    if path is None or path.suffix != ".py":
        return f"untracked:{import_path}"  # no Python source to read (e.g. an extension module)
    return code_fingerprint(path, plugin_roots=(plugin_root(path, module),))
