"""The `thresholds` block: success criteria, the d* statistics and adaptive refinement of the d grid."""

from __future__ import annotations

from typing import Annotated

from dof.config.base import UNSET, Fraction, Items, Metric, Number, RefinementLevel, block, key


@block
class RefineConfig:
    """Adaptive refinement of the d grid: per round, geometric midpoints inside the brackets where P_s crosses a
    level (dof.analysis.refinement), each round a Snakemake checkpoint."""

    rounds: int = key(
        0,
        "adaptive refinement rounds, each a Snakemake checkpoint that reads the success table and adds the integer "
        "geometric midpoint round(sqrt(d_lo d_hi)) of every bracket (the grid d* at a level and the grid d below it) "
        "wider than `resolution`, for every refined metric and epsilon; 0 = the configured grid only, 2 take a "
        "factor-2 grid to about 2^(1/4). The new runs are ordinary cached `train_subspaces` jobs, so a later denser "
        "grid reuses them",
        ge=0,
    )
    resolution: Number = key(1.19, "a bracket with d_hi / d_lo at most this is not split (1.19 is about 2^(1/4))", gt=1)
    levels: Annotated[tuple[RefinementLevel, ...], Items(1)] = key(
        ("one_minus_delta", "half"), "the P_s levels whose crossing is bracketed: 1 - delta (the d* level) and 1/2"
    )
    metrics: Annotated[tuple[Metric, ...], Items(0)] = key(
        (),
        "the metrics whose curves are refined, a subset of `thresholds.metrics` (empty: all; other values are "
        "refused): every refined curve crosses its levels in octaves of its own, so fewer curves cost fewer runs",
    )
    epsilons: Annotated[tuple[Fraction, ...], Items(0)] = key(
        (),
        "the epsilons whose curves are refined, a subset of `thresholds.epsilons` (empty: all; other values are "
        "refused); each refined curve adds midpoints in octaves of its own",
    )


@block
class ThresholdsConfig:
    """Success criteria and the d* statistics."""

    metrics: Annotated[tuple[Metric, ...], Items(1)] = key(
        ("train_acc", "test_acc"), "accuracies a run's success is judged on"
    )
    epsilons: Annotated[tuple[Fraction, ...], Items(1), UNSET] = key(
        (), "accuracy thresholds epsilon (absolute accuracies)", required=True
    )
    delta: Number = key(0.1, "d* is the smallest d with P_s >= 1 - delta", gt=0, lt=1)
    n_bootstrap: int = key(1000, "bootstrap resamples (over seeds) of the d* interval", ge=1)
    confidence: Number = key(0.95, "level of the bootstrap percentile interval of d*", gt=0, lt=1)
    bootstrap_seed: int = key(0, "seed of the bootstrap resampling", ge=0)
    refine: RefineConfig = key(
        RefineConfig(),
        "adaptive refinement of the d grid (one Snakemake checkpoint per round) where the success curves cross "
        "their levels, for the chosen metrics and epsilons (all by default)",
    )
