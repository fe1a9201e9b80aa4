"""Connectivity tables: the runs, the dropout gap per run, the barriers per pair, and log-log fits of both against
width (statsmodels OLS) beside the seed's rate log N / N."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import statsmodels.api as sm

from dof.tables import CONNECTIVITY_RUN_KEY, CONNECTIVITY_SPLITS

SPLITS = CONNECTIVITY_SPLITS
"""dof.tables.CONNECTIVITY_SPLITS under the name workflow/rules/connectivity_inputs.smk imports from here."""

CELL = ["dataset", "depth"]
"""One curve against width: a dataset and a depth."""


def run_gaps(dropout: pd.DataFrame) -> pd.DataFrame:
    """Per run, kept fraction and split: L_N, the mean L_M and the mean gap |L_N - L_M| over the subsets."""
    return (
        dropout.groupby([*CONNECTIVITY_RUN_KEY, "fraction", "kept", "split"], sort=True)
        .agg(
            loss_full=("loss_full", "first"),
            loss_kept=("loss_kept", "mean"),
            gap=("gap", "mean"),
            gap_sd=("gap", "std"),
            n_subsets=("subset", "size"),
        )
        .reset_index()
    )


def log_log_fit(widths: np.ndarray, values: np.ndarray, confidence: float = 0.95) -> dict[str, float | int]:
    """OLS of log(value) on log(width) over the positive values: slope, its interval, intercept, points used
    (n_points) and left out for not being positive (n_nonpositive); NaN slope with fewer than 3 points or 2 widths."""
    widths, values = np.asarray(widths, float), np.asarray(values, float)
    positive = np.isfinite(values) & (values > 0)
    x, y = np.log(widths[positive]), np.log(values[positive])
    result = {"n_points": int(positive.sum()), "n_nonpositive": int((~positive).sum())}
    if len(x) < 3 or len(np.unique(x)) < 2:
        return {**result, "slope": math.nan, "slope_lo": math.nan, "slope_hi": math.nan, "intercept": math.nan}
    fit = sm.OLS(y, sm.add_constant(x)).fit()
    lo, hi = fit.conf_int(alpha=1.0 - confidence)[1]
    return {**result, "slope": float(fit.params[1]), "slope_lo": float(lo), "slope_hi": float(hi),
            "intercept": float(fit.params[0])}  # fmt: skip


def seed_rate_slope(widths: np.ndarray) -> float:
    """The log-log slope of the seed's rate log N / N over the widths (OLS of log(log N / N) on log N): about -1 +
    1 / log N, so shallower than -1 on small grids."""
    n = np.unique(np.asarray(widths, float))
    n = n[n > 1]
    if len(n) < 2:
        return math.nan
    return float(np.polyfit(np.log(n), np.log(np.log(n) / n), 1)[0])


def slopes(gaps: pd.DataFrame, barriers: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Fitted log-log slopes per (dataset, depth, quantity, split): the dropout gap at every kept fraction
    (quantity 'gap', one point per run) and the barriers of both paths ('barrier_straight', 'barrier_dropout',
    one point per pair); each with the seed's rate's slope over the same widths."""
    rows = []
    for (dataset, depth, fraction, split), group in gaps.groupby([*CELL, "fraction", "split"], sort=True):
        fit = log_log_fit(group["width"], group["gap"], confidence)
        rows.append({"dataset": dataset, "depth": int(depth), "quantity": "gap", "fraction": fraction,
                     "split": split, **fit, **_widths(group)})  # fmt: skip
    for (dataset, depth, path, split), group in barriers.groupby([*CELL, "path", "split"], sort=True):
        fit = log_log_fit(group["width"], group["barrier"], confidence)
        rows.append({"dataset": dataset, "depth": int(depth), "quantity": f"barrier_{path}", "fraction": 0.5,
                     "split": split, **fit, **_widths(group)})  # fmt: skip
    return pd.DataFrame(rows)


def _widths(group: pd.DataFrame) -> dict[str, float]:
    return {
        "width_min": int(group["width"].min()),
        "width_max": int(group["width"].max()),
        "seed_rate_slope": seed_rate_slope(group["width"].to_numpy()),
    }


def summary(runs: pd.DataFrame, gaps: pd.DataFrame, barriers: pd.DataFrame, split: str = "test") -> pd.DataFrame:
    """Per (dataset, depth, width), on one split: the mean loss of the solutions, the mean dropout gap at each
    kept fraction and the mean barrier of both paths (the README's table)."""
    loss = runs.groupby([*CELL, "width"], sort=True).agg(
        n_runs=("seed", "size"), loss=(f"{split}_loss", "mean"), acc=(f"{split}_acc", "mean")
    )
    gap = gaps[gaps["split"].eq(split)].pivot_table(index=[*CELL, "width"], columns="fraction", values="gap")
    gap.columns = [f"gap_{fraction:g}" for fraction in gap.columns]
    barrier = barriers[barriers["split"].eq(split)].pivot_table(
        index=[*CELL, "width"], columns="path", values="barrier", aggfunc="mean"
    )
    barrier.columns = [f"barrier_{path}" for path in barrier.columns]
    n_pairs = barriers[barriers["split"].eq(split)].groupby([*CELL, "width"])["pair"].nunique().rename("n_pairs")
    return loss.join([gap, barrier, n_pairs]).reset_index().assign(split=split)
