"""The `subspace` block: the grid of training dimensions and seeds, and Adam on phi."""

from __future__ import annotations

from typing import Annotated, ClassVar

from dof.config.base import UNSET, BaseProjection, Flag, Items, NonNegative, Number, Positive, Projection, block, key


@block
class SubspaceConfig:
    """The subspace grid and Adam on phi (correct bias correction, unlike the authors' code)."""

    GRID: ClassVar[tuple[str, ...]] = ("dims", "seeds", "seeds_per_job")
    dims: Annotated[tuple[Positive, ...], Items(1), UNSET] = key(
        (), "training dimensions d of the grid (each at most D of every configured network)", required=True
    )
    seeds: Annotated[tuple[NonNegative, ...], Items(1), UNSET] = key(
        (), "run seeds; each seed gives its own initialisation, burn-in, subspace A and batch order", required=True
    )
    seeds_per_job: int = key(
        5, "runs (seeds) trained in one job; larger amortises start-up, smaller caches finer", ge=1
    )
    vmap_runs: int = key(
        1,
        "runs of a job trained together through torch.func.vmap (one batched forward and backward; worth it on a "
        "GPU); 1 trains them one after another. Architectures with BatchNorm (resnet20) always go one by one",
        ge=1,
    )
    projection: Projection = key(
        "dense",
        "how A is built: dense (Gaussian, unit-norm columns, the authors' choice; regenerated from its seed in blocks "
        "when too large to store), sparse (a fixed number of non-zeros per column), fastfood (Li et al.'s structured "
        "transform, O(D log D) time and O(D) memory), said (Aghajanyan et al.'s structure-aware subspace: "
        "`subspace.said_base` times one learned scale per parameter tensor; d counts phi's d - m coordinates and the "
        "m scales)",
        note="said: every d of `subspace.dims` and `goldilocks.dims` above m, the network's parameter tensors",
    )
    dense_memory_mb: int = key(
        512,
        "largest dense A (D x d float32, MiB) stored in memory; a larger one is regenerated from its seed on every "
        "forward and backward pass (the same A, bit for bit, far slower: benchmarks/cost.py)",
        ge=1,
    )
    said_base: BaseProjection = key(
        "fastfood",
        "the projection A of `subspace.projection: said` (theta_i = theta_0,i + lambda_m(i) (A phi)_i, the scales "
        "lambda from 1); fastfood as Aghajanyan et al.",
    )
    nested: Flag = key(
        True,
        "true: a seed's A_d is the first d columns of one seed-determined A and every d sees the same mini-batches, "
        "so a seed's subspaces grow with d (success almost monotone in d, runs at different d share random numbers); "
        "false: A and the batch order drawn afresh for every (seed, d)",
    )
    lr: Number = key(0.05, "Adam's learning rate on phi", gt=0)
    beta1: Number = key(0.9, "Adam's beta1", ge=0, lt=1)
    beta2: Number = key(0.999, "Adam's beta2", ge=0, lt=1)
    eps: Number = key(1e-7, "Adam's epsilon", gt=0)
    batch_size: int = key(128, "mini-batch size", ge=1)
    epochs: int = key(3, "training epochs of each run (the budget every method shares)", ge=1)
