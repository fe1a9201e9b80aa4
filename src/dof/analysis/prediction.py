"""The theory stage's quadratic prediction of d*(epsilon, t0), joined with the measured d*.

Around theta* the loss is L(theta) ~ L* + 1/2 (theta - theta*)^T H (theta - theta*); the sub-level set {L <= L_eps} is
an ellipsoid with radii r_i = sqrt(2 (L_eps - L*) / lambda_i), and the paper's closed form of its squared Gaussian
width seen from a start at distance R is w^2 = sum_i r_i^2 / (R^2 + r_i^2). Then d* = D - w^2 = sum_i lambda_i /
(lambda_i + c), c = 2 (L_eps - L*) / R^2: a trace tr f(H) of the matrix function f(lambda) = lambda / (lambda + c),
which stochastic Lanczos quadrature estimates from the same Ritz values and weights that give the spectral density:
D sum_j tau_j f(theta_j), averaged over probes. Eigenvalues <= a floor (default 0: the negative and flat directions)
have infinite radii and count fully in w^2 (f = 0). The loss level L_eps of an accuracy threshold epsilon is read
off the (train loss, accuracy) pairs of every subspace run and checkpoint by a decreasing isotonic fit: the train
loss at which accuracy epsilon is typically reached."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from dof.config import INIT


def loss_levels(accuracy: np.ndarray, loss: np.ndarray, epsilons: Iterable[float]) -> np.ndarray:
    """The train loss at which accuracy epsilon is reached: a decreasing isotonic fit of loss on accuracy over the
    (accuracy, loss) pairs, interpolated linearly at each epsilon; NaN outside the observed accuracies."""
    from sklearn.isotonic import IsotonicRegression

    accuracy, loss = np.asarray(accuracy, dtype=float), np.asarray(loss, dtype=float)
    keep = np.isfinite(accuracy) & np.isfinite(loss)
    if keep.sum() < 2:
        return np.full(len(list(epsilons)), np.nan)
    fit = IsotonicRegression(increasing=False, out_of_bounds="nan").fit(accuracy[keep], loss[keep])
    return fit.predict(np.asarray(list(epsilons), dtype=float))


def predicted_threshold(
    nodes: np.ndarray,
    weights: np.ndarray,
    probes: np.ndarray,
    n_params: int,
    delta_loss: float,
    distance: float,
    floor: float = 0.0,
) -> tuple[float, float]:
    """Quadratic-approximation d* = sum_i lambda_i / (lambda_i + c), c = 2 delta_loss / distance^2, by SLQ.

    nodes, weights, probes: the SLQ Ritz values, their weights (summing to 1 over all probes) and probe indices.
    Returns the mean over probes of D sum_j tau_j f(theta_j) and its standard error over probes; eigenvalues
    <= floor count as flat (f = 0)."""
    nodes, weights, probes = np.asarray(nodes, float), np.asarray(weights, float), np.asarray(probes, int)
    if not (delta_loss > 0 and distance > 0):
        raise ValueError("the prediction needs a positive loss gap and distance")
    c = 2.0 * delta_loss / distance**2
    positive = np.where(nodes > floor, nodes, 0.0)
    f = positive / (positive + c)
    n_probes = int(probes.max()) + 1
    per_probe = n_params * n_probes * np.bincount(probes, weights=weights * f, minlength=n_probes)
    stderr = float(per_probe.std(ddof=1) / math.sqrt(n_probes)) if n_probes > 1 else float("nan")
    return float(per_probe.mean()), stderr


def top_eigenvalue_threshold(
    top_eigenvalues: Iterable[float], delta_loss: float, distance: float, floor: float = 0.0
) -> float:
    """The top_k Lanczos eigenvalues' share of the quadratic d*: sum over them of lambda / (lambda + c).

    Every other eigenvalue adds a non-negative term, so this is a lower bound of the quadratic prediction that
    needs no quadrature (the SLQ estimate can overshoot when c lies below its resolution near zero)."""
    values = np.asarray(list(top_eigenvalues), dtype=float)
    c = 2.0 * delta_loss / distance**2
    positive = np.where(values > floor, values, 0.0)
    return float(np.sum(positive / (positive + c)))


def loss_accuracy_pairs(runs: pd.DataFrame, spectra: pd.DataFrame, metric: str) -> pd.DataFrame:
    """(dataset, model, accuracy, loss) pairs: every ok subspace run and every checkpoint of the spectrum table."""
    ok = runs[runs["status"] == "ok"]
    pairs = [ok[["dataset", "model", metric, "train_loss"]], spectra[["dataset", "model", metric, "train_loss"]]]
    return pd.concat(pairs, ignore_index=True).rename(columns={metric: "accuracy", "train_loss": "loss"})


PREDICTION_COLUMNS = [
    "dataset",
    "model",
    "n_params",
    "seed",
    "t0",
    "metric",
    "epsilon",
    "loss_level",
    "solution_loss",
    "delta_loss",
    "start_loss",
    "start_loss_quadratic",
    "start_accuracy",
    "distance",
    "rayleigh_over_mean",
    "prediction_status",
    "w2_predicted",
    "d_star_predicted",
    "d_star_predicted_stderr",
    "d_star_predicted_top_k",
    "delta",
    "d_star",
    "d_star_lo",
    "d_star_hi",
    "d_max",
]


def prediction_table(
    spectra: pd.DataFrame, runs: pd.DataFrame, thresholds: pd.DataFrame, floor: float = 0.0
) -> pd.DataFrame:
    """Predicted d*(epsilon, t0) per Hessian seed next to the measured d* of thresholds.parquet.

    One row per (dataset, model, seed, t0, metric, epsilon) with a burn-in spectrum row for (seed, t0) and a
    solution row for the seed. prediction_status: ok; start_inside (the burn-in point already has accuracy
    >= epsilon: predicted d* = 0); below_solution (L_eps <= L*: the quadratic model never reaches it, no
    prediction); no_loss_level (epsilon outside the accuracies observed). gap = measured - predicted,
    log2_ratio = log2(measured / predicted); both null where the grid never reached 1 - delta (d_star null,
    d_star_above_grid true)."""
    rows = []
    if "start" in thresholds.columns:  # the spectra are those of the burn-in from the seeded initialisation
        thresholds, runs = thresholds[thresholds["start"] == INIT], runs[runs["start"] == INIT]
    for (dataset, model, metric), measured in thresholds.groupby(["dataset", "model", "metric"], sort=True):
        here = spectra[(spectra["dataset"] == dataset) & (spectra["model"] == model)]
        pairs = loss_accuracy_pairs(runs[(runs["dataset"] == dataset) & (runs["model"] == model)], here, metric)
        epsilons = np.sort(measured["epsilon"].unique())
        levels = dict(zip(epsilons, loss_levels(pairs["accuracy"], pairs["loss"], epsilons)))
        for _, per_seed in here.groupby("seed", sort=True):
            solution = per_seed[per_seed["point"] == "solution"]
            if solution.empty:
                continue
            for _, start in per_seed[per_seed["point"] != "solution"].iterrows():
                cells = measured[measured["t0"] == start["t0"]].sort_values("epsilon")
                for _, cell in cells.iterrows():
                    level = float(levels[cell["epsilon"]])
                    rows.append(_prediction_row(solution.iloc[0], start, cell, metric, level, floor))
    table = pd.DataFrame(rows, columns=PREDICTION_COLUMNS)
    for column in ("d_star", "d_star_lo", "d_star_hi"):
        table[column] = table[column].astype("Float64").astype("Int64")
    measured_d = table["d_star"].astype("Float64").astype(float).to_numpy()  # null -> NaN
    predicted = table["d_star_predicted"].to_numpy(float)
    table["d_star_above_grid"] = table["d_star"].isna()
    table["gap"] = measured_d - predicted
    with np.errstate(divide="ignore", invalid="ignore"):
        table["log2_ratio"] = np.where((predicted > 0) & (measured_d > 0), np.log2(measured_d / predicted), np.nan)
    return table


def _prediction_row(
    solution: pd.Series, start: pd.Series, cell: pd.Series, metric: str, level: float, floor: float
) -> dict[str, Any]:
    """One prediction row: the solution's spectrum, a burn-in point's distance, a measured threshold cell."""
    eps = float(cell["epsilon"])
    n_params = int(solution["n_params"])
    delta_loss = level - float(solution["train_loss"])
    distance = float(start["distance_to_solution"])
    predicted, stderr, status, top_only = float("nan"), float("nan"), "ok", float("nan")
    if float(start[metric]) >= eps:
        predicted, status, top_only = 0.0, "start_inside", 0.0
    elif not np.isfinite(level):
        status = "no_loss_level"
    elif delta_loss <= 0:
        status = "below_solution"
    else:
        nodes = (solution["slq_nodes"], solution["slq_weights"], solution["slq_probe"])
        predicted, stderr = predicted_threshold(*nodes, n_params, delta_loss, distance, floor)
        top_only = top_eigenvalue_threshold(solution["top_eigenvalues"], delta_loss, distance, floor)
    return {
        "dataset": cell["dataset"],
        "model": cell["model"],
        "n_params": n_params,
        "seed": int(solution["seed"]),
        "t0": int(start["t0"]),
        "metric": metric,
        "epsilon": eps,
        "loss_level": level,
        "solution_loss": float(solution["train_loss"]),
        "delta_loss": delta_loss,
        "start_loss": float(start["train_loss"]),
        "start_loss_quadratic": float(solution["train_loss"])
        + float(start["quadratic_subset_loss"])
        - float(solution["subset_loss"]),
        "start_accuracy": float(start[metric]),
        "distance": distance,
        "rayleigh_over_mean": float(start["rayleigh_over_mean"]),
        "prediction_status": status,
        "w2_predicted": n_params - predicted,
        "d_star_predicted": predicted,
        "d_star_predicted_stderr": stderr,
        "d_star_predicted_top_k": top_only,
        "delta": float(cell["delta"]),
        "d_star": cell["d_star"],
        "d_star_lo": cell["d_star_lo"],
        "d_star_hi": cell["d_star_hi"],
        "d_max": int(cell["d_max"]),
    }
