"""The `burn_in` block: full-space SGD with momentum before the subspace is drawn."""

from __future__ import annotations

from typing import Annotated, ClassVar

from dof.config.base import Items, NonNegative, Number, Positive, block, key


@block
class BurnInConfig:
    """Full-space SGD with momentum for t0 steps before the subspace is drawn (the protocol's burn-in)."""

    GRID: ClassVar[tuple[str, ...]] = ("t0",)
    t0: Annotated[tuple[NonNegative, ...], Items(1)] = key(
        (0, 4, 8, 16),
        "burn-in steps (full-space mini-batches) before the subspace is drawn; 0 = plain random subspace (Li et al.)",
    )
    lr: Number = key(0.05, "SGD learning rate (also the lottery trajectory's)", gt=0)
    momentum: Number = key(0.9, "SGD momentum", ge=0, le=1)
    batch_size: Positive = key(128, "mini-batch size")
