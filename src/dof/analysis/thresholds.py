"""Success probabilities P_s(d, epsilon, t0) with exact binomial intervals, threshold training dimensions d* on the
grid (censoring flagged, bootstrap intervals) and d* from a binomial regression of success on log2 d."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from dof.config import INIT
from dof.theory.crossing import first_crossing

GROUP = ["dataset", "model", "n_params", "start", "method", "t0"]
"""A curve of P_s over d: one method (random, burn_in, lottery_subspace, lottery_ticket, ...) from one start (init,
the seeded initialisation, or a checkpoint's name) at one burn-in t0."""

NO_START_METHODS = ("lottery_ticket", "lottery_ticket_one_shot", "supermask")
"""Pruned and masked networks: their d = 0 would keep no weight, so theta_0's accuracy is no point of their curve."""

CENSORING = ("measured", "start", "below_grid", "above_grid")
"""thresholds.parquet `censoring`: d* on the grid; d* = 0 (the start already succeeds); d* <= the grid's smallest d
(no start point in the grid); never reached by the grid's largest d (d* null)."""

FIT_STATUS = ("ok", "outside_grid", "not_identified", "separated", "not_increasing", "failed")
"""thresholds.parquet `fit_status`: see fit_transition."""


def with_start(table: pd.DataFrame) -> pd.DataFrame:
    """`table` with a `start` column: tables without one start from init (the seeded initialisation)."""
    return table if "start" in table.columns else table.assign(start=INIT)


def with_method(runs: pd.DataFrame) -> pd.DataFrame:
    """`runs` with a `method` and a `start` column (with_start); tables without a method hold random subspaces:
    'random' at t0 = 0, else 'burn_in'."""
    runs = with_start(runs)
    if "method" in runs.columns:
        return runs
    return runs.assign(method=np.where(runs["t0"].to_numpy() == 0, "random", "burn_in"))


def start_runs(runs: pd.DataFrame, group: Sequence[str] = GROUP) -> pd.DataFrame:
    """The start point (phi = 0) of each group as d = 0 runs: one row per distinct (seed, start accuracies), with the
    start's train_acc / test_acc; none without start_* columns, for NO_START_METHODS or for groups with d = 0 runs."""
    runs = with_method(runs)
    columns = [column for column in ("start_train_acc", "start_test_acc") if column in runs.columns]
    if not columns:
        return pd.DataFrame(columns=[*group, "seed", "d", "status"])
    has_zero = runs["d"].eq(0).groupby([runs[column] for column in group], dropna=False).transform("any")
    keep = ~runs["method"].isin(NO_START_METHODS) & ~has_zero.astype(bool)
    starts = runs.loc[keep, [*group, "seed", *columns]].dropna(subset=columns, how="all").drop_duplicates()
    starts = starts.rename(columns={column: column.removeprefix("start_") for column in columns})
    return starts.assign(d=0, status="ok").reset_index(drop=True)


def success_table(
    runs: pd.DataFrame,
    epsilons: list[float],
    metrics: list[str],
    confidence: float = 0.95,
    group: Sequence[str] = GROUP,
) -> pd.DataFrame:
    """One row per (group, d, metric, epsilon): n_runs, n_success, p_success and its exact (Clopper-Pearson)
    interval p_success_lo / p_success_hi; diverged runs are failures. d = 0 is the start point (start_runs).
    `group` names a curve (GROUP; a stage with one more axis, such as the init scale, adds it)."""
    from statsmodels.stats.proportion import proportion_confint

    frames = []
    runs = with_method(runs)
    group = list(group)
    starts = start_runs(runs, group)
    is_start = np.concatenate([np.zeros(len(runs), dtype=bool), np.ones(len(starts), dtype=bool)])
    if len(starts):
        runs = pd.concat([runs, starts], ignore_index=True)
    ok = runs["status"].eq("ok").to_numpy()
    for metric in metrics:
        counted = ~(is_start & runs[metric].isna().to_numpy())  # a start without this accuracy is no d = 0 run
        keys = runs.loc[counted, [*group, "d"]]
        values, good = runs[metric].to_numpy(dtype=float, na_value=np.nan)[counted], ok[counted]
        for epsilon in epsilons:
            frames.append(keys.assign(metric=metric, epsilon=float(epsilon), success=good & (values >= epsilon)))
    long = pd.concat(frames, ignore_index=True)
    table = (
        long.groupby([*group, "d", "metric", "epsilon"], sort=True)["success"]
        .agg(n_runs="size", n_success="sum")
        .reset_index()
    )
    table["n_success"] = table["n_success"].astype("int64")
    table["p_success"] = table["n_success"] / table["n_runs"]
    lo, hi = proportion_confint(table["n_success"], table["n_runs"], alpha=1 - confidence, method="beta")
    table["p_success_lo"], table["p_success_hi"] = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    return table


def grid_below(dims: np.ndarray, d: float) -> int:
    """The d of an ascending grid just below `d` (which lies on the grid above its smallest d)."""
    return int(dims[np.searchsorted(dims, d) - 1])


def threshold_table(
    success: pd.DataFrame,
    delta: float = 0.1,
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """d*(epsilon) = smallest d of the grid with P_s >= 1 - delta, its censoring, the grid d below it (d* lies in
    (d_below, d_star] at the grid's resolution), a percentile interval from resampling runs, and the fitted
    transition of fit_transition (d_star_fit with its interval, d50_fit, the width).

    Resampling the runs of each (d) cell with replacement is a binomial draw of its success count, so the bootstrap
    is exact and vectorised. An interval end that the grid never reaches is null. Where every run of the d* cell
    succeeds (5 seeds, delta = 0.1: success needs 5 of 5) every resample keeps it, so the resampled d* can only fall
    and d_star_hi == d_star: that band is one-sided; d_star_fit_lo / _hi are the two-sided interval."""
    rng = np.random.default_rng(seed)
    success = with_start(success)
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
        d_star = float(first_crossing(dims, p_hat, level))
        status = censoring(d_star, dims)
        rows.append(
            {
                **dict(zip([*GROUP, "metric", "epsilon"], key)),
                "delta": delta,
                "d_star": d_star,
                "censoring": status,
                "d_below": float(grid_below(dims, d_star)) if status == "measured" else np.nan,
                "d_star_lo": lo,
                "d_star_hi": hi,
                "d_min": int(dims[dims > 0].min()) if (dims > 0).any() else 0,
                "d_max": int(dims.max()),
                "n_bootstrap": n_bootstrap,
                **fit_transition(dims, cell["n_success"].to_numpy(), n, level, confidence),
            }
        )
    table = pd.DataFrame(rows)
    for column in ("d_star", "d_below", "d_star_lo", "d_star_hi"):
        table[column] = _nullable_int(table[column])
    table["d_star_fraction"] = table["d_star"].astype("Float64") / table["n_params"]
    for column in FIT_COLUMNS[1:]:
        kind = "string" if column == "fit_interval" else "Float64"
        table[column] = table[column].astype(kind)  # NaN (not fitted) becomes null
    return table


def censoring(d_star: float, dims: np.ndarray) -> str:
    """How a grid d* is censored (CENSORING): above_grid if NaN, start if 0, below_grid if it is the smallest d of a
    grid without the start point, else measured."""
    if not np.isfinite(d_star):
        return "above_grid"
    if d_star == 0:
        return "start"
    return "below_grid" if d_star == np.min(dims) else "measured"


FIT_INTERVAL = ("bounded", "unbounded")
"""`fit_interval`: both ends of the fitted d*'s Fieller interval are reported, or at least one is null (the slope is
not significant, or an end lies further beyond the grid than the grid spans); null where d_star_fit is."""

FIT_COLUMNS = (
    "fit_status",
    "d_star_fit",
    "d_star_fit_lo",
    "d_star_fit_hi",
    "fit_interval",
    "d50_fit",
    "fit_width_octaves",
    "fit_intercept",
    "fit_slope",
)


def fit_transition(
    dims: np.ndarray, n_success: np.ndarray, n_runs: np.ndarray, level: float, confidence: float = 0.95
) -> dict[str, float | str]:
    """Binomial regression (statsmodels GLM, logit link) of success on x = log2 d over every run with d > 0:
    logit P = b0 + b1 x (d = 0, the start, has no place on a log axis and is left out of the fit).

    Returns FIT_COLUMNS: fit_status; d_star_fit = 2^((logit(level) - b0) / b1) with its Fieller interval at `confidence`
    (d_star_fit_lo / _hi; null ends: unbounded; fit_interval: FIT_INTERVAL); d50_fit (P = 1/2); fit_width_octaves (the
    log2 d from P = 0.1 to 0.9, 2 ln 9 / b1); fit_intercept b0; fit_slope b1 (logits per doubling of d). fit_status: ok;
    outside_grid (the fitted 1 - delta point lies beyond the grid's d > 0: not extrapolated); not_identified (every run
    succeeds, or every one fails, or fewer than two d); separated (one d splits the failures from the successes, at most
    that d mixed: the slope has no finite estimate); not_increasing (b1 <= 0); failed (the fit did not converge).
    d_star_fit, its interval and fit_interval are null unless ok; d50_fit and the width need a positive slope."""
    out: dict[str, float | str] = dict.fromkeys(FIT_COLUMNS, np.nan)
    positive = np.asarray(dims) > 0
    x = np.log2(np.asarray(dims, dtype=float)[positive])
    k = np.asarray(n_success, dtype=float)[positive]
    n = np.asarray(n_runs, dtype=float)[positive]
    with_success, with_failure = x[k > 0], x[k < n]
    if x.size < 2 or with_success.size == 0 or with_failure.size == 0:
        return {**out, "fit_status": "not_identified"}
    if with_failure.max() <= with_success.min() or with_success.max() <= with_failure.min():
        return {**out, "fit_status": "separated"}
    fit, status = _binomial_glm(x, k, n)
    if fit is None:
        return {**out, "fit_status": status}
    (b0, b1), cov = fit
    out.update(fit_intercept=float(b0), fit_slope=float(b1))
    if b1 <= 0:
        return {**out, "fit_status": "not_increasing"}
    out.update(d50_fit=float(2.0 ** (-b0 / b1)), fit_width_octaves=float(2 * np.log(9.0) / b1))
    target = float(np.log(level / (1 - level)))
    x_star = (target - b0) / b1
    if not x.min() <= x_star <= x.max():
        return {**out, "fit_status": "outside_grid"}
    lo, hi, interval = fit_interval(b0, b1, cov, target, confidence, (float(x.min()), float(x.max())))
    return {
        **out,
        "fit_status": "ok",
        "d_star_fit": float(2.0**x_star),
        "d_star_fit_lo": lo,
        "d_star_fit_hi": hi,
        "fit_interval": interval,
    }


def _binomial_glm(x: np.ndarray, k: np.ndarray, n: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray] | None, str]:
    """statsmodels' binomial GLM (logit link) of k successes in n runs on x: ((b0, b1), covariance) and 'ok', or
    None and 'separated' / 'failed'; its warnings are caught and become the status."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationError, PerfectSeparationWarning

    design = np.column_stack([np.ones_like(x), x])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = sm.GLM(np.column_stack([k, n - k]), design, family=sm.families.Binomial()).fit()
        except PerfectSeparationError:
            return None, "separated"
        except (np.linalg.LinAlgError, ValueError):
            return None, "failed"
        params, cov = np.asarray(result.params, dtype=float), np.asarray(result.cov_params(), dtype=float)
    categories = [w.category for w in caught]
    if any(issubclass(c, PerfectSeparationWarning) for c in categories):
        return None, "separated"
    converged = result.converged and not any(issubclass(c, ConvergenceWarning) for c in categories)
    if not (converged and np.isfinite(params).all() and np.isfinite(cov).all()):
        return None, "failed"
    return (params, cov), "ok"


def fieller_interval(
    b0: float, b1: float, cov: np.ndarray, target: float, confidence: float = 0.95
) -> tuple[float, float]:
    """Fieller's interval of the x with b0 + b1 x = target: {x : (b0 + b1 x - target)^2 <= z^2 var(b0 + b1 x)};
    (NaN, NaN) where that set is unbounded (b1 not significant at `confidence`)."""
    from scipy.stats import norm

    z2 = float(norm.ppf((1 + confidence) / 2)) ** 2
    offset = b0 - target
    a = b1**2 - z2 * cov[1, 1]
    b = 2 * (b1 * offset - z2 * cov[0, 1])
    c = offset**2 - z2 * cov[0, 0]
    discriminant = b**2 - 4 * a * c
    if a <= 0 or discriminant < 0:
        return np.nan, np.nan
    root = np.sqrt(discriminant)
    return float((-b - root) / (2 * a)), float((-b + root) / (2 * a))


def fit_interval(
    b0: float, b1: float, cov: np.ndarray, target: float, confidence: float, grid: tuple[float, float]
) -> tuple[float, float, str]:
    """Fieller's interval of the d with b0 + b1 log2 d = target as (lo, hi, FIT_INTERVAL): an end is null where the
    set is unbounded or the end lies further beyond the log2 `grid` (min, max) than the grid spans; then 'unbounded'."""
    span = max(grid[1] - grid[0], 1.0)
    ends = np.array(fieller_interval(b0, b1, cov, target, confidence), dtype=float)
    ends[~((ends >= grid[0] - span) & (ends <= grid[1] + span))] = np.nan  # NaN stays NaN: never a huge 2^x
    lo, hi = (float(2.0**end) if np.isfinite(end) else np.nan for end in ends)
    return lo, hi, "bounded" if np.isfinite(ends).all() else "unbounded"


def _nullable_int(values: pd.Series) -> pd.Series:
    """Grid dimensions as nullable integers; NaN and inf (never reached) become null."""
    finite = values.where(np.isfinite(values.astype(float)))
    return finite.astype("Float64").astype("Int64")


D_INT90_STATUS = ("ok", "not_reached", "no_baseline", "baseline_not_trained", "baseline_diverged")
"""`d_int90_status`: measured; no d of the grid reaches the level (null); no baseline (baseline.enabled off, or no
row for the network); no baseline seed is 'ok' (null: never measured against a network that did not train or
diverged; `d_int90_reason` quotes the seeds' status_reason)."""

D_INT90_COLUMNS = [
    "baseline_start",
    "baseline_test_acc",
    "n_baseline",
    "n_baseline_ok",
    "d_int90",
    "d_int90_status",
    "d_int90_reason",
]
"""The d_int90 columns; `baseline_start` is the start whose full fine-tuning is the reference (Aghajanyan et al.:
d90 of a pretrained start against full fine-tuning from it), null without a baseline."""


def baseline_references(baseline: pd.DataFrame) -> dict[tuple[str, str, str], dict]:
    """Per (dataset, model, start) (tables without a start column: init): the mean test accuracy of its 'ok'
    baseline seeds (NaN when none is), the start, the seed counts, and the d_int90 status and reason that a failed
    baseline leaves. Rows without a status column count as 'ok'."""
    baseline = with_start(baseline).reset_index(drop=True)
    status = baseline["status"] if "status" in baseline.columns else pd.Series("ok", index=baseline.index)
    references = {}
    for key, rows in baseline.groupby(["dataset", "model", "start"], sort=True):
        states = status.loc[rows.index]
        ok = states.eq("ok")
        reference = {"baseline_start": key[2], "n_baseline": len(rows), "n_baseline_ok": int(ok.sum())}
        if ok.any():
            references[key] = {**reference, "baseline_test_acc": float(rows.loc[ok, "test_acc"].mean())}
            continue
        reasons = rows["status_reason"] if "status_reason" in rows.columns else states
        seeds = rows["seed"] if "seed" in rows.columns else range(len(rows))
        quoted = "; ".join(f"seed {seed}: {state} ({reason})" for seed, state, reason in zip(seeds, states, reasons))
        failed = "baseline_not_trained" if states.eq("not_trained").any() else "baseline_diverged"
        references[key] = {
            **reference,
            "baseline_test_acc": np.nan,
            "d_int90_status": failed,
            "d_int90_reason": f"no baseline seed trained, so there is no full model to measure against: {quoted}",
        }
    return references


def d_int90_table(runs: pd.DataFrame, baseline: pd.DataFrame, fraction: float = 0.9) -> pd.DataFrame:
    """d_int90 per group: the smallest d whose mean test accuracy over seeds reaches `fraction` of the full model's
    mean test accuracy (the 'ok' baseline rows of the same dataset, model and start: full fine-tuning from the
    group's start, `baseline_start`), with `d_int90_status` and a reason.

    A diverged run counts as accuracy 0; a baseline seed that diverged or did not train is left out of the mean, and
    without any 'ok' seed d_int90 is null (status baseline_not_trained / baseline_diverged), never measured."""
    runs = with_method(runs)
    accuracy = runs["test_acc"].where(runs["status"].eq("ok"), 0.0).fillna(0.0)
    means = runs[[*GROUP, "d"]].assign(test_acc=accuracy).groupby([*GROUP, "d"], sort=True)["test_acc"].mean()
    references = baseline_references(baseline)
    missing = {
        "baseline_start": None,
        "n_baseline": 0,
        "n_baseline_ok": 0,
        "baseline_test_acc": np.nan,
        "d_int90_status": "no_baseline",
        "d_int90_reason": "no baseline row for this dataset, model and start",
    }
    rows = []
    for key, curve in means.groupby(level=list(range(len(GROUP))), sort=True):
        group = dict(zip(GROUP, key))
        row = {
            **group,
            **references.get((group["dataset"], group["model"], group["start"]), missing),
            "d_int90": np.nan,
        }
        base = row["baseline_test_acc"]
        if np.isfinite(base):
            dims = curve.index.get_level_values("d").to_numpy()
            row["d_int90"] = float(first_crossing(dims, curve.to_numpy(), fraction * base))
            reached = np.isfinite(row["d_int90"])
            row["d_int90_status"] = "ok" if reached else "not_reached"
            row["d_int90_reason"] = (
                "" if reached else f"no d up to {int(dims.max())} reaches {fraction:g} x the baseline's {base:.3f}"
            )
        rows.append(row)
    table = pd.DataFrame(rows, columns=[*GROUP, *D_INT90_COLUMNS])
    table["d_int90"] = _nullable_int(table["d_int90"])
    return table


def add_d_int90(table: pd.DataFrame, runs: pd.DataFrame | None, baseline: pd.DataFrame | None) -> pd.DataFrame:
    """A threshold table with the d_int90 columns per group (D_INT90_COLUMNS); d_int90 null without runs and a
    baseline (status no_baseline) or when no baseline seed trained."""
    if runs is None or baseline is None:
        return table.assign(
            baseline_start=None,
            baseline_test_acc=np.nan,
            n_baseline=0,
            n_baseline_ok=0,
            d_int90=pd.array([pd.NA] * len(table), dtype="Int64"),
            d_int90_status="no_baseline",
            d_int90_reason="baseline.enabled is off",
        )
    return table.merge(d_int90_table(runs, baseline), how="left", on=GROUP)
