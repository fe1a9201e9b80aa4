"""The `confinement` block: gradient confinement in the top Hessian eigenspace."""

from __future__ import annotations

from typing import Annotated, ClassVar

from dof.config.base import Flag, Items, NonNegative, Positive, block, key


@block
class ConfinementConfig:
    """Gradient confinement (Gur-Ari et al.; Fort & Ganguli): the share of the gradient's squared norm in the top-k
    Hessian eigenspace (Lanczos on a fixed training subset) at every burn-in checkpoint and along a trajectory."""

    GRID: ClassVar[tuple[str, ...]] = ("enabled", "n_seeds", "trajectory_steps")
    enabled: Flag = key(False, "run the confinement stage")
    n_seeds: int = key(1, "the first n `subspace.seeds` measured", note="at most as many as `subspace.seeds`", ge=1)
    ks: Annotated[tuple[Positive, ...], Items(1)] = key(
        (1, 2, 5, 10, 20), "the k of the top-k eigenspaces; k = C (the dataset's number of classes) is always added"
    )
    n_examples: int = key(500, "training examples of the gradient and the Hessian (a seeded subset)", ge=1)
    lanczos_iterations: int = key(
        60,
        "Lanczos steps (full reorthogonalisation); the top Ritz pairs converge first, so 2-3 x the largest k",
        note="at least the largest k",
        ge=1,
    )
    seed: int = key(0, "seed of the subset and of the Lanczos start vector", ge=0)
    trajectory_steps: Annotated[tuple[NonNegative, ...], Items(0)] = key(
        (),
        "steps of a finer trajectory to measure at: the burn-in's SGD (same init, batches and optimiser as the "
        "burn_in rule, so step t is the checkpoint t0 = t) from theta_0; empty = the burn-in checkpoints only",
    )
