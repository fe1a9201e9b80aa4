"""dof: threshold training dimensions of deep networks in random affine subspaces (Larsen et al. 2022).

As a library: `dof.SubspaceModule(model, d, "fastfood", seed=0)` trains any nn.Module in a random subspace from any
training loop (README, "Use it in your own loop"). It is imported on first use, so `import dof` stays cheap."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["SubspaceModule", "__version__"]


def __getattr__(name: str) -> Any:
    """The public wrapper, imported (with torch) on first access."""
    if name == "SubspaceModule":
        from dof.engine.subspace import SubspaceModule

        return SubspaceModule
    raise AttributeError(f"module 'dof' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), "SubspaceModule"])
