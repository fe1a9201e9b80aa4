"""The `baseline` block: the full-model baseline theta*."""

from __future__ import annotations

from typing import ClassVar

from dof.config.base import Flag, Number, block, key


@block
class BaselineConfig:
    """The full-model baseline theta*: every weight trained from theta_0 to convergence with its own Adam (a learning
    rate for full-space training, not the subspace runs'); the reference of d_int90, figures 2 and 7, and theory.

    A baseline whose train or test accuracy stays within `chance_margin` of chance (1 / n_classes), or whose train
    loss is no lower than chance's ln(n_classes), is 'not_trained' and, like a diverged one, is never a reference
    (d_int90 null, no dashed line)."""

    GRID: ClassVar[tuple[str, ...]] = ("enabled", "chance_margin")
    enabled: Flag = key(
        False,
        "write baseline.parquet and fill d_int90 in thresholds.parquet and figure 2's full-model line (the lottery "
        "stage writes baseline.parquet regardless, but d_int90 and figure 2's line need this key)",
    )
    lr: Number = key(
        0.001, "Adam's learning rate on every weight (one for full-space training, not the subspace runs')", gt=0
    )
    beta1: Number = key(0.9, "Adam's beta1", ge=0, lt=1)
    beta2: Number = key(0.999, "Adam's beta2", ge=0, lt=1)
    eps: Number = key(1e-7, "Adam's epsilon", gt=0)
    batch_size: int = key(128, "mini-batch size", ge=1)
    epochs: int = key(20, "epochs of full-space Adam (to convergence)", ge=1)
    chance_margin: Number = key(
        0.1,
        "a baseline whose train or test accuracy is below chance (1 / n_classes) + chance_margin (or whose train loss "
        "is no lower than chance's ln(n_classes)) is 'not_trained': no d_int90 and no full-model line is measured "
        "against it",
        ge=0,
        le=1,
    )
