"""Jamming tables: P(L = 0) per (dataset, depth, P, N), N*(P) with the d* machinery of dof.analysis.thresholds (N in
the role of d, P in that of D), the ratio c0 = N*/P, and ensembles of the seeds' outputs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dof.analysis.thresholds import fit_transition, success_table, threshold_table
from dof.config import INIT
from dof.tables import JAMMING_RUN_KEY

CELL = ["dataset", "depth", "n_train"]
"""One curve of P(L = 0) over N: a dataset, a depth and a training set size P."""

RENAMED = {
    "model": "depth",
    "n_params": "n_train",
    "d": "n_params",
    "d_star": "n_star",
    "d_below": "n_below",
    "d_star_lo": "n_star_lo",
    "d_star_hi": "n_star_hi",
    "d_min": "n_min",
    "d_max": "n_max",
    "d_star_fit": "n_star_fit",
    "d_star_fit_lo": "n_star_fit_lo",
    "d_star_fit_hi": "n_star_fit_hi",
    "d50_fit": "n50_fit",
    "d_star_fraction": "n_star_over_p",
}
"""thresholds.py's column names (d, D) as the jamming tables' (N, P)."""


UNDECIDED = "budget"
"""The status of a run that ended undecided (L > 0 at the step budget): censored, left out of every P(L = 0)."""

VIEW_CELL = ["dataset", "model", "n_params", "d"]
"""A cell of threshold_view: dataset, network, P (as n_params) and N (as d)."""


def threshold_view(runs: pd.DataFrame, size: str = "n_params", model: str = "depth") -> pd.DataFrame:
    """The decided runs (`budget` ones are censored, left out) as success_table groups them, metric `fitted` (1 when
    L = 0 was reached; stuck and diverged runs are failures) and n_params = P (so d_star_fraction is a threshold over
    P), with the column `size` in the role of d and `model` in that of the model: N (n_params) and the depth for the
    full-space runs, d and the wide network's name (`model`) for the subspace runs (stages.jamming_subspace)."""
    runs = runs[~runs["status"].eq(UNDECIDED)]
    return pd.DataFrame(
        {
            "dataset": runs["dataset"],
            "model": runs[model],
            "n_params": runs["n_train"].astype(int),
            "start": INIT,
            "method": "jamming",
            "t0": 0,
            "d": runs[size].astype(int),
            "seed": runs["seed"],
            "status": np.where(runs["status"].eq("diverged"), "diverged", "ok"),
            "fitted": runs["status"].eq("fitted").astype(float),
        }
    )


def undecided_counts(runs: pd.DataFrame, size: str = "n_params", model: str = "depth") -> pd.DataFrame:
    """`n_undecided` (runs ended `budget`) per VIEW_CELL, for every cell of the runs."""
    keys = pd.DataFrame(
        {
            "dataset": runs["dataset"],
            "model": runs[model],
            "n_params": runs["n_train"].astype(int),
            "d": runs[size].astype(int),
            "n_undecided": runs["status"].eq(UNDECIDED).astype(int),
        }
    )
    return keys.groupby(VIEW_CELL, sort=True)["n_undecided"].sum().reset_index()


def _with_undecided(table: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """A success_table with `n_undecided` per cell; a cell of undecided runs only has n_runs 0 and a null p_success."""
    table = table.merge(counts, on=VIEW_CELL, how="outer").sort_values(VIEW_CELL, ignore_index=True)
    for column in ("n_runs", "n_success"):
        table[column] = table[column].fillna(0).astype("int64")
    for column, value in {"start": INIT, "method": "jamming", "t0": 0, "metric": "fitted", "epsilon": 1.0}.items():
        table[column] = table[column].fillna(value) if column in table else value
    return table


def _renamed(table: pd.DataFrame) -> pd.DataFrame:
    """A thresholds.py table with jamming names and without its constant columns."""
    table = table.drop(columns=["start", "method", "t0", "metric", "epsilon"], errors="ignore").rename(columns=RENAMED)
    return table.astype({"depth": int, "n_train": int})


def success(runs: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """P(L = 0) per (dataset, depth, P, N) over the decided runs with its exact binomial interval
    (thresholds.success_table), and `n_undecided`, the censored `budget` runs beside n_runs."""
    raw = success_table(threshold_view(runs), [1.0], ["fitted"], confidence)
    return _renamed(_with_undecided(raw, undecided_counts(runs)))


def thresholds(
    runs: pd.DataFrame, delta: float, n_bootstrap: int, confidence: float = 0.95, seed: int = 0
) -> pd.DataFrame:
    """N*(P) at the levels 1/2 and 1 - delta (`level`), by thresholds.threshold_table: the grid N*, its censoring
    and bootstrap interval, and the fitted logistic transition in log2 N with its Fieller interval."""
    return _renamed(_levels(runs, "n_params", "depth", delta, n_bootstrap, confidence, seed))


def _levels(
    runs: pd.DataFrame, size: str, model: str, delta: float, n_bootstrap: int, confidence: float, seed: int
) -> pd.DataFrame:
    """thresholds.threshold_table of the decided runs' `fitted` success at the levels 1/2 and 1 - delta (`level`),
    with `n_undecided`, the censored runs of the curve."""
    raw = success_table(threshold_view(runs, size, model), [1.0], ["fitted"], confidence)
    levels = sorted({0.5, 1.0 - delta})
    tables = [threshold_table(raw, 1.0 - level, n_bootstrap, confidence, seed).assign(level=level) for level in levels]
    counts = undecided_counts(runs, size, model).groupby(VIEW_CELL[:-1], sort=True)["n_undecided"].sum()
    return pd.concat(tables, ignore_index=True).merge(counts.reset_index(), on=VIEW_CELL[:-1], how="left")


def c0_table(runs: pd.DataFrame, delta: float, confidence: float = 0.95) -> pd.DataFrame:
    """c0 = N*/P per (dataset, depth, level): thresholds.fit_transition of success on log2(N / P) over every (P, N)
    cell (the transition is assumed to sit at a fixed N/P), with its Fieller interval; `n_p_values` P values."""
    table = success(runs, confidence).query("n_runs > 0")
    rows = []
    for (dataset, depth), cells in table.groupby(["dataset", "depth"], sort=True):
        ratio = cells["n_params"].to_numpy(float) / cells["n_train"].to_numpy(float)
        for level in sorted({0.5, 1.0 - delta}):
            fit = fit_transition(ratio, cells["n_success"].to_numpy(), cells["n_runs"].to_numpy(), level, confidence)
            rows.append(
                {
                    "dataset": dataset,
                    "depth": int(depth),
                    "level": level,
                    "n_p_values": int(cells["n_train"].nunique()),
                    "fit_status": fit["fit_status"],
                    "c0": fit["d_star_fit"],
                    "c0_lo": fit["d_star_fit_lo"],
                    "c0_hi": fit["d_star_fit_hi"],
                    "fit_interval": fit["fit_interval"],
                    "fit_width_octaves": fit["fit_width_octaves"],
                }
            )
    return pd.DataFrame(rows)


def n_star_50(thresholds_table: pd.DataFrame) -> pd.DataFrame:
    """N*(P) at the 50 % level per CELL: the fitted n_star_fit where the fit is ok, else the grid n_star (null
    above the grid); `n_star_source` says which."""
    half = thresholds_table[np.isclose(thresholds_table["level"], 0.5)]
    fitted = half["fit_status"].eq("ok")
    value = np.where(
        fitted, half["n_star_fit"].astype(float), half["n_star"].astype("Float64").to_numpy(float, na_value=np.nan)
    )
    return half[CELL].assign(n_star_50=value, n_star_source=np.where(fitted, "fit", "grid")).reset_index(drop=True)


def ensembles(margins: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """Per (dataset, depth, P, width): the mean test error of the single networks, the test error of the ensemble
    average f_bar over the seeds (not diverged) and the output variance across seeds (mean over test points,
    ddof 1). gaussian redraws the data per seed, so it has no common test set: its ensemble columns are null."""
    ok = runs.loc[~runs["status"].eq("diverged"), list(JAMMING_RUN_KEY)]
    members = margins.merge(ok, on=list(JAMMING_RUN_KEY), how="inner")
    info = runs.groupby([*CELL, "width"], sort=True).agg(
        n_params=("n_params", "first"), n_runs=("seed", "size"), mean_test_error=("test_error", "mean")
    )
    rows = []
    for key, cell in members.groupby([*CELL, "width"], sort=True):
        stack = np.stack(cell["test_margin"].to_numpy()).astype(np.float64)
        common = key[0] != "gaussian"
        rows.append(
            {
                **dict(zip([*CELL, "width"], key)),
                "n_members": len(stack),
                "ensemble_test_error": float((stack.mean(axis=0) <= 0).mean()) if common else np.nan,
                "output_variance": float(stack.var(axis=0, ddof=1).mean()) if common and len(stack) > 1 else np.nan,
            }
        )
    table = info.reset_index().merge(pd.DataFrame(rows), on=[*CELL, "width"], how="left")
    table["n_members"] = table["n_members"].fillna(0).astype(int)
    return table


def run_summary(runs: pd.DataFrame) -> pd.DataFrame:
    """Per (dataset, depth, P, width): N, the fraction fitted of the decided runs, the undecided (`budget`) runs, the
    mean N_Delta / N and the mean test error."""
    decided = ~runs["status"].eq(UNDECIDED)
    frame = runs.assign(
        fitted=runs["status"].eq("fitted").astype(float).where(decided),
        undecided=(~decided).astype(int),
        n_delta_over_n=runs["n_delta"] / runs["n_params"],
    )
    return (
        frame.groupby([*CELL, "width"], sort=True)
        .agg(
            n_params=("n_params", "first"),
            p_fitted=("fitted", "mean"),
            n_undecided=("undecided", "sum"),
            n_delta_over_n=("n_delta_over_n", "mean"),
            test_error=("test_error", "mean"),
        )
        .reset_index()
    )


def monotonicity(table: pd.DataFrame, alpha: float = 0.05, curve: tuple[str, ...] = tuple(CELL)) -> pd.DataFrame:
    """Is P(L = 0) non-decreasing in N within binomial noise? Per curve of a success table, for every split of its N
    grid a one-sided Fisher exact test (scipy) that the cells below fit more often than those above; the strongest
    split (`split_n`, the first N above it) with its p-value, Bonferroni over every split of the table."""
    from scipy.stats import fisher_exact

    size = "d" if "d" in table else "n_params"  # subspace tables: d; full-space ones: N
    curves = table[table["n_runs"] > 0].sort_values([*curve, size]).groupby(list(curve), sort=True)
    rows = []
    for key, cells in curves:
        success, runs = cells["n_success"].to_numpy(), cells["n_runs"].to_numpy()
        best = {"split_n": None, "p_below": np.nan, "p_above": np.nan, "p_value": 1.0}
        for i in range(1, len(cells)):
            below, above = (success[:i].sum(), runs[:i].sum()), (success[i:].sum(), runs[i:].sum())
            counts = [[below[0], below[1] - below[0]], [above[0], above[1] - above[0]]]
            p_value = float(fisher_exact(counts, alternative="greater").pvalue)
            if p_value < best["p_value"]:
                best = {
                    "split_n": int(cells[size].iloc[i]),
                    "p_below": below[0] / below[1],
                    "p_above": above[0] / above[1],
                    "p_value": p_value,
                }
        rows.append({**dict(zip(curve, key)), **best, "n_splits": len(cells) - 1})
    result = pd.DataFrame(rows)
    result["p_adjusted"] = np.minimum(1.0, result["p_value"] * max(1, int(result["n_splits"].sum())))
    result["monotone"] = result["p_adjusted"] >= alpha
    return result


SUBSPACE_RENAMED = {"model": "network", "n_params": "n_train", "d_star_fraction": "d_star_over_p"}
"""thresholds.py's column names for the subspace runs of the jamming task: the wide network as `network`, P in the
role of D (so d_star_over_p is d*/P)."""


def _subspace_renamed(table: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """A thresholds.py table of subspace runs with their names, and the wide network's parameter count N_wide."""
    constant = ["start", "method", "t0", "metric", "epsilon"]
    table = table.drop(columns=constant, errors="ignore").rename(columns=SUBSPACE_RENAMED)
    wide = runs.groupby(["dataset", "model"], sort=True)["n_params"].first().rename("n_wide").reset_index()
    wide = wide.rename(columns={"model": "network"})  # one name for every dataset, N_wide per input size
    return table.astype({"n_train": int}).merge(wide, on=["dataset", "network"], how="left")


def subspace_success(runs: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """P(L = 0) of the subspace runs per (dataset, network, P, d) with its exact binomial interval."""
    raw = success_table(threshold_view(runs, "d", "model"), [1.0], ["fitted"], confidence)
    return _subspace_renamed(_with_undecided(raw, undecided_counts(runs, "d", "model")), runs)


def subspace_thresholds(
    runs: pd.DataFrame, delta: float, n_bootstrap: int, confidence: float = 0.95, seed: int = 0
) -> pd.DataFrame:
    """d*(P) of the subspace runs at the levels 1/2 and 1 - delta, by thresholds.threshold_table (as N*(P))."""
    return _subspace_renamed(_levels(runs, "d", "model", delta, n_bootstrap, confidence, seed), runs)


TWO_WAYS = [
    "dataset",
    "n_train",
    "quantity",
    "estimate",
    "lo",
    "hi",
    "source",
    "fit_interval",
    "censoring",
    "grid_min",
    "grid_max",
]


def _at_half(table: pd.DataFrame, star: str, low: str, high: str) -> pd.DataFrame:
    """The 50 % rows of a threshold table as TWO_WAYS columns: the fit with its Fieller interval where it is ok,
    else the grid value with its bootstrap interval (null above the grid); `source` says which, `fit_interval` whether
    the fit's interval is bounded."""
    half = table[np.isclose(table["level"], 0.5)].reset_index(drop=True)
    fitted = half["fit_status"].eq("ok").to_numpy()

    def pick(fit: str, grid: str) -> np.ndarray:
        return np.where(
            fitted,
            half[fit].astype("Float64").to_numpy(float, na_value=np.nan),
            half[grid].astype("Float64").to_numpy(float, na_value=np.nan),
        )

    return pd.DataFrame(
        {
            "dataset": half["dataset"],
            "n_train": half["n_train"].astype(int),
            "estimate": pick(f"{star}_fit", star),
            "lo": pick(f"{star}_fit_lo", f"{star}_lo"),
            "hi": pick(f"{star}_fit_hi", f"{star}_hi"),
            "source": np.where(fitted, "fit", "grid"),
            "fit_interval": half["fit_interval"].astype("string").where(fitted),
            "censoring": half["censoring"],
            "grid_min": half[low].astype(int),
            "grid_max": half[high].astype(int),
        }
    )


def two_ways(thresholds_table: pd.DataFrame, subspace_table: pd.DataFrame) -> pd.DataFrame:
    """Degrees of freedom two ways at the 50 % level, per (dataset, P): N*(P) of every depth (`quantity` 'N* L=1') and
    d*(P) of every wide network's random subspaces ('d* fc_L1_h128'), with intervals, source and censoring."""
    full = [
        _at_half(rows, "n_star", "n_min", "n_max").assign(quantity=f"N* L={depth}")
        for depth, rows in thresholds_table.groupby("depth", sort=True)
    ]
    sub = [
        _at_half(rows, "d_star", "d_min", "d_max").assign(quantity=f"d* {network}")
        for network, rows in subspace_table.groupby("network", sort=True)
    ]
    return pd.concat([*full, *sub], ignore_index=True)[TWO_WAYS].sort_values(["dataset", "quantity", "n_train"])
