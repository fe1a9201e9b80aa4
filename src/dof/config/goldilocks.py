"""The `goldilocks` block: random subspace runs from scaled initialisations."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from dof.config.base import KEEP_INT, Flag, Items, Positive, PositiveNumber, Seeds, block, key


@block
class GoldilocksConfig:
    """The Goldilocks zone (Fort & Scherlis; Fort & Ganguli): random subspace runs from theta_0 scaled by r (init_scale)
    with the subspace block's training, P_s at fixed d against r, beside the curvature of the section A^T H A."""

    GRID: ClassVar[tuple[str, ...]] = ("enabled", "init_scales", "dims", "seeds", "seeds_per_job", "epsilon")
    enabled: Flag = key(False, "run the Goldilocks stage")
    init_scales: Annotated[tuple[PositiveNumber, ...], Items(1)] = key(
        (1.0,),
        "the init scales r (a log grid, e.g. 2^-4 .. 2^4): a run starts at r theta_0 (every weight and bias; "
        "BatchNorm statistics untouched); paths goldilocks/runs/.../r_<init_scale>/d_<d>/",
    )
    dims: Annotated[tuple[Positive, ...], Items(1)] = key(
        (32, 128), "subspace dimensions d of the runs and sections (at most D)"
    )
    seeds: Seeds | None = key(None, "run seeds; null: the subspace seeds (`subspace.seeds`)")
    seeds_per_job: int = key(5, "runs (seeds) of one (r, d) per job", ge=1)
    epsilon: Annotated[float, Field(ge=0, le=1), KEEP_INT] | None = key(
        None,
        "the accuracy threshold of the figure and of goldilocks_peaks.parquet (metric: the first of "
        "`thresholds.metrics`); null = the middle value of `thresholds.epsilons`. goldilocks_success.parquet holds "
        "every `thresholds.epsilons` and metric",
    )
    curvature_seeds: int = key(
        3,
        "the first n seeds of every (r, d) whose section curvature is measured (d Hessian-vector products each); the "
        "others have NaN curvature columns",
        ge=0,
    )
    n_examples: int = key(500, "training examples of the section Hessian (a seeded subset, as `theory.hessian`)", ge=1)
    subset_seed: int = key(0, "seed of that subset", ge=0)
