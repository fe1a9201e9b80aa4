"""Success probabilities P_s(d, epsilon, t0) and threshold training dimensions d* with bootstrap intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd

GROUP = ["dataset", "model", "n_params", "method", "t0"]
"""A curve of P_s over d: one method (random, burn_in, lottery_subspace, lottery_ticket, ...) at one burn-in t0."""


def with_method(runs: pd.DataFrame) -> pd.DataFrame:
    """`runs` with a `method` column; tables without one hold random subspaces: 'random' at t0 = 0, else 'burn_in'."""
    if "method" in runs.columns:
        return runs
    return runs.assign(method=np.where(runs["t0"].to_numpy() == 0, "random", "burn_in"))


def success_table(runs: pd.DataFrame, epsilons: list[float], metrics: list[str]) -> pd.DataFrame:
    """One row per (group, d, metric, epsilon): n_runs, n_success and p_success; diverged runs are failures."""
    frames = []
    runs = with_method(runs)
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


def d_int90_table(runs: pd.DataFrame, baseline: pd.DataFrame, fraction: float = 0.9) -> pd.DataFrame:
    """d_int90 per group: the smallest d whose mean test accuracy over seeds reaches `fraction` of the full model's
    mean test accuracy (baseline rows of the same dataset and model); null where no d does or without a baseline.

    A diverged run counts as accuracy 0; a diverged baseline run is left out of the baseline mean."""
    runs = with_method(runs)
    accuracy = runs["test_acc"].where(runs["status"].eq("ok"), 0.0).fillna(0.0)
    means = runs[[*GROUP, "d"]].assign(test_acc=accuracy).groupby([*GROUP, "d"], sort=True)["test_acc"].mean()
    if "status" in baseline.columns:
        baseline = baseline[baseline["status"].eq("ok")]
    reference = baseline.groupby(["dataset", "model"])["test_acc"].mean()
    rows = []
    for key, curve in means.groupby(level=list(range(len(GROUP))), sort=True):
        group = dict(zip(GROUP, key))
        base = reference.get((group["dataset"], group["model"]), np.nan)
        dims = curve.index.get_level_values("d").to_numpy()
        d_int = first_crossing(dims, curve.to_numpy(), fraction * base) if np.isfinite(base) else np.nan
        rows.append({**group, "baseline_test_acc": float(base), "d_int90": float(d_int)})
    table = pd.DataFrame(rows, columns=[*GROUP, "baseline_test_acc", "d_int90"])
    table["d_int90"] = _nullable_int(table["d_int90"])
    return table


def add_d_int90(table: pd.DataFrame, runs: pd.DataFrame | None, baseline: pd.DataFrame | None) -> pd.DataFrame:
    """A threshold table with baseline_test_acc and d_int90 per group; both null without runs and a baseline."""
    if runs is None or baseline is None:
        return table.assign(baseline_test_acc=np.nan, d_int90=pd.array([pd.NA] * len(table), dtype="Int64"))
    return table.merge(d_int90_table(runs, baseline), how="left", on=GROUP)
