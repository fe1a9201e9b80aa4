"""Plug-ins: callables named by an import path `package.module:callable` (a dataset's loader, a model's factory),
found through the configured search folders, and the checkpoint files of start points."""

from __future__ import annotations

import fnmatch
import hashlib
import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn


def add_search_path(folders: Iterable[str]) -> None:
    """Put `folders` (relative ones from the working directory) first on sys.path, in their order, each once."""
    for folder in reversed(list(folders)):
        path = str(Path(folder).resolve())
        if path not in sys.path:
            sys.path.insert(0, path)


def import_callable(path: str, search: Iterable[str] = ()) -> Callable[..., Any]:
    """The callable at `package.module:callable` (the name may be dotted, e.g. module:Class.build), imported with the
    `search` folders first on sys.path; an error says what failed to import or is missing."""
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"{path!r} is no import path: write package.module:callable")
    add_search_path(search)
    try:
        target: Any = importlib.import_module(module_name)
    except Exception as error:  # ImportError, or whatever the module raises while it runs
        raise ImportError(
            f"{path!r}: module {module_name!r} does not import ({type(error).__name__}: {error}); put its folder in "
            f"plugin_path (relative to the working directory) or install it as a package"
        ) from error
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise ImportError(f"{path!r}: module {module_name!r} has no attribute {attribute!r}")
        target = getattr(target, part)
    if not callable(target):
        raise TypeError(f"{path!r} is a {type(target).__name__}, not a callable")
    return target


def module_file(path: str, search: Iterable[str] = ()) -> Path | None:
    """The source file of the module of an import path (None for a module without one, e.g. a builtin)."""
    add_search_path(search)
    spec = importlib.util.find_spec(path.partition(":")[0])
    return Path(spec.origin).resolve() if spec is not None and spec.origin and spec.has_location else None


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes (hex), recorded with every run that starts from it."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """A state_dict saved with torch.save (tensors only, loaded without running pickled code) or the one a dict holds
    under `state_dict` (as training frameworks save it); a `.safetensors` file through the safetensors library."""
    if Path(path).suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(path, device="cpu")
    state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, Mapping) and isinstance(state.get("state_dict"), Mapping):
        state = state["state_dict"]
    if not isinstance(state, Mapping) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"{path} holds no state_dict (a mapping of parameter and buffer names to tensors)")
    return dict(state)


def reinit_keys(keys: Iterable[str], patterns: Iterable[str], where: str = "reinit") -> tuple[str, ...]:
    """The state_dict keys (in their order) that the fnmatch `patterns` match; a pattern matching none is refused,
    naming it and listing the keys."""
    keys, patterns = list(keys), list(patterns)
    for pattern in patterns:
        if not fnmatch.filter(keys, pattern):
            raise ValueError(f"{where}: the pattern {pattern!r} matches no key of the start's state_dict: {keys}")
    return tuple(name for name in keys if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns))


def state_dict_mismatches(
    model: nn.Module, state: Mapping[str, torch.Tensor], limit: int = 5, reinit: Iterable[str] = ()
) -> list[str]:
    """The first `limit` differences between a checkpoint's state_dict and the model's: keys it lacks, keys the model
    lacks, tensors of another shape (empty when it fits); the re-drawn keys `reinit` may differ or be missing."""
    own, skip = model.state_dict(), set(reinit)
    problems = [f"missing {name} {tuple(own[name].shape)}" for name in own if name not in state and name not in skip]
    problems += [f"unexpected {name}" for name in state if name not in own]
    problems += [
        f"{name}: {tuple(state[name].shape)} in the file, {tuple(own[name].shape)} in the model"
        for name in own
        if name in state and name not in skip and state[name].shape != own[name].shape
    ]
    return problems[:limit] + ([f"... {len(problems) - limit} more"] if len(problems) > limit else [])


def load_start(
    model: nn.Module, state: Mapping[str, torch.Tensor], where: str, reinit: Iterable[str] = ()
) -> nn.Module:
    """Load a start checkpoint's weights and buffers into `model` in place, but for the tensors whose keys the fnmatch
    patterns `reinit` match, which keep the model's own (its seeded initialisation); refuses a checkpoint that does
    not fit and a pattern matching no key."""
    own = model.state_dict()
    kept = reinit_keys(own, reinit, where)
    problems = state_dict_mismatches(model, state, reinit=kept)
    if problems:
        raise ValueError(f"{where} does not fit the model: {'; '.join(problems)}")
    with torch.no_grad():
        model.load_state_dict({name: own[name] if name in kept else state[name] for name in own})
    return model
