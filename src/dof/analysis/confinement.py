"""Tables of the confinement stage: the gradient's share in the top-k Hessian eigenspace against training step."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def confinement_table(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The confinement rows of every seed and source as confinement.parquet, sorted by (dataset, model, seed,
    source, step, k); a (seed, source, step, k) recorded twice is an error."""
    table = pd.concat(list(frames), ignore_index=True)
    key = ["dataset", "model", "seed", "source", "step", "k"]
    if table.duplicated(key).any():
        raise ValueError("confinement rows recorded twice for the same (dataset, model, seed, source, step, k)")
    return table.sort_values(key, ignore_index=True)


def confinement_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per (dataset, model, source, step, k): the mean overlap and lambda_max over seeds beside k / D."""
    keys = ["dataset", "model", "source", "step", "k"]
    return (
        table.groupby(keys, sort=True)
        .agg(
            overlap=("overlap", "mean"),
            overlap_min=("overlap", "min"),
            random_overlap=("random_overlap", "first"),
            lambda_max=("lambda_max", "mean"),
            n_seeds=("seed", "nunique"),
        )
        .reset_index()
    )
