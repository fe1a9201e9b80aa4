"""Success probabilities P_s(d, epsilon, t0) and threshold training dimensions d* with bootstrap intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd

GROUP = ["dataset", "model", "n_params", "t0"]


def success_table(runs: pd.DataFrame, epsilons: list[float], metrics: list[str]) -> pd.DataFrame:
    """One row per (group, d, metric, epsilon): n_runs, n_success and p_success; diverged runs are failures."""
    frames = []
    ok = runs["status"].eq("ok")
    for metric in metrics:
        for epsilon in epsilons:
            success = ok & (runs[metric] >= epsilon)
            frame = runs[[*GROUP, "d"]].assign(metric=metric, epsilon=float(epsilon), success=success)
            frames.append(frame)
    long = pd.concat(frames, ignore_index=True)
    table = (
        long.groupby([*GROUP, "d", "metric", "epsilon"], sort=True)["success"]
        .agg(n_runs="size", n_success="sum")
        .reset_index()
    )
    table["n_success"] = table["n_success"].astype("int64")
    table["p_success"] = table["n_success"] / table["n_runs"]
    return table


def first_crossing(dims: np.ndarray, p: np.ndarray, level: float) -> np.ndarray:
    """Smallest d whose P_s reaches `level`, along the last axis; NaN where none does."""
    hit = p >= level
    first = np.where(hit.any(axis=-1), hit.argmax(axis=-1), -1)
    return np.where(first >= 0, dims[np.clip(first, 0, None)].astype(float), np.nan)


def threshold_table(
    success: pd.DataFrame,
    delta: float = 0.1,
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """d*(epsilon) = smallest d with P_s >= 1 - delta, and a percentile interval from resampling runs.

    Resampling the runs of each (d) cell with replacement is a binomial draw of its success count,
    so the bootstrap is exact and vectorised. An interval end that the grid never reaches is null."""
    rng = np.random.default_rng(seed)
    level = 1.0 - delta
    quantiles = [(1 - confidence) / 2, (1 + confidence) / 2]
    rows = []
    for key, cell in success.groupby([*GROUP, "metric", "epsilon"], sort=True):
        cell = cell.sort_values("d")
        dims = cell["d"].to_numpy()
        n = cell["n_runs"].to_numpy()
        p_hat = cell["p_success"].to_numpy()
        draws = rng.binomial(n, p_hat, size=(n_bootstrap, len(dims))) / n
        boot = np.nan_to_num(first_crossing(dims, draws, level), nan=np.inf)
        lo, hi = np.quantile(boot, quantiles, method="inverted_cdf")
        rows.append(
            {
                **dict(zip([*GROUP, "metric", "epsilon"], key)),
                "delta": delta,
                "d_star": first_crossing(dims, p_hat, level),
                "d_star_lo": lo,
                "d_star_hi": hi,
                "d_max": int(dims.max()),
                "n_bootstrap": n_bootstrap,
            }
        )
    table = pd.DataFrame(rows)
    for column in ("d_star", "d_star_lo", "d_star_hi"):
        table[column] = _nullable_int(table[column])
    table["d_star_fraction"] = table["d_star"].astype("Float64") / table["n_params"]
    return table


def _nullable_int(values: pd.Series) -> pd.Series:
    """Grid dimensions as nullable integers; NaN and inf (never reached) become null."""
    finite = values.where(np.isfinite(values.astype(float)))
    return finite.astype("Float64").astype("Int64")
