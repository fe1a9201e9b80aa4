"""The theory stage: quadratic wells (figure 5), Hessian spectra of networks and the quadratic prediction of d*.

Glue between the config's `theory` block and the science modules (quadratic, widths, hessian):

- quadratic wells: P_s(d, epsilon, R) from exact subspace minima and the Gaussian width w^2 of the projected
  sub-level set, d* = D - w^2, per configured spectrum;
- networks: the spectrum of the Hessian of the training loss (on a fixed subset of the training set) at a
  checkpoint, the geometry of the burn-in points relative to the fully trained solution theta*;
- the prediction: d*(epsilon, t0) of the quadratic approximation around theta*, joined with the measured d*.

The prediction. Around theta* the loss is L(theta) ~ L* + 1/2 (theta - theta*)^T H (theta - theta*); the
sub-level set {L <= L_eps} is an ellipsoid with radii r_i = sqrt(2 (L_eps - L*) / lambda_i), and the paper's
closed form of its squared Gaussian width seen from a start at distance R is w^2 = sum_i r_i^2 / (R^2 + r_i^2).
Then d* = D - w^2 = sum_i lambda_i / (lambda_i + c), c = 2 (L_eps - L*) / R^2: a trace tr f(H) of the matrix
function f(lambda) = lambda / (lambda + c), which stochastic Lanczos quadrature estimates from the same Ritz values
and weights that give the spectral density: D sum_j tau_j f(theta_j), averaged over probes. Eigenvalues <= a floor
(default 0: the negative and flat directions) have infinite radii and count fully in w^2 (f = 0).
The loss level L_eps of an accuracy threshold epsilon is read off the (train loss, accuracy) pairs of every
subspace run and checkpoint by a decreasing isotonic fit: the train loss at which accuracy epsilon is typically
reached.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import torch

from dof import hessian, quadratic
from dof.data import Dataset
from dof.models import build_model
from dof.seeding import derive_seed, generator
from dof.subspace import load_flat_params


def limit_threads(n_threads: int) -> None:
    """Run torch and the BLAS behind numpy/scipy on n_threads (a job's `threads`).

    On a shared machine an oversubscribed BLAS is far slower than one thread (measured: 9x for numpy's QR with 2
    threads on 2 busy cores), so every theory job pins both."""
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    torch.set_num_threads(n_threads)
    threadpool_limits(n_threads)


# ----------------------------------------------------------------------------------------------------------------
# Quadratic wells (figure 5)


def quadratic_dims(settings: Mapping[str, Any]) -> np.ndarray:
    """The d grid: `dims` if given, else 41 evenly spaced integers from 0 to D (both included)."""
    n = int(settings["n_params"])
    dims = settings.get("dims")
    if dims is None:
        dims = np.unique(np.rint(np.linspace(0, n, 41)).astype(int))
    dims = np.asarray(sorted(set(int(d) for d in dims)), dtype=int)
    if dims.min() < 0 or dims.max() > n:
        raise ValueError(f"theory.quadratic.dims must lie in 0..n_params = {n}, got {dims.min()}..{dims.max()}")
    return dims


def quadratic_spectra(settings: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """The configured Hessian spectra (name -> n_params eigenvalues, largest first), each from its own seed."""
    spectra = {}
    for index, spec in enumerate(settings["spectra"]):
        name = spec["name"]
        if name in spectra:
            raise ValueError(f"theory.quadratic.spectra: the name {name!r} appears twice")
        seed = derive_seed("quadratic-spectrum", int(settings["seed"]), index)
        spectra[name] = quadratic.make_spectrum(spec["kind"], int(settings["n_params"]), seed, **spec.get("params", {}))
    return spectra


def quadratic_success(settings: Mapping[str, Any]) -> pd.DataFrame:
    """P_s(d, epsilon, R) per spectrum: (spectrum, n_params, R, d, epsilon, n_runs, n_success, p_success)."""
    dims = quadratic_dims(settings)
    frames = []
    for index, (name, eigenvalues) in enumerate(quadratic_spectra(settings).items()):
        frame = quadratic.success_probability(
            eigenvalues,
            settings["distances"],
            settings["epsilons"],
            dims,
            n_subspaces=int(settings["n_subspaces"]),
            seed=derive_seed("quadratic-success", int(settings["seed"]), index),
            spectrum=name,
        )
        frame.insert(1, "n_params", int(settings["n_params"]))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def quadratic_widths(settings: Mapping[str, Any], success: pd.DataFrame) -> pd.DataFrame:
    """Per (spectrum, R, epsilon): Monte Carlo w^2 and its standard error, the closed form, d* = D - w^2, and the
    empirical d* of the success table at the configured delta (d_star_empirical) and at P_s >= 1/2
    (d_star_median, the crossing Gordon's theorem predicts), with the gaps predicted - empirical."""
    table = quadratic.width_table(
        quadratic_spectra(settings),
        settings["distances"],
        settings["epsilons"],
        n_samples=int(settings["n_width_samples"]),
        seed=derive_seed("quadratic-widths", int(settings["seed"])),
        success=success,
        delta=float(settings["delta"]),
        n_starts=int(settings["n_starts"]),
    )
    median = quadratic.empirical_threshold(success, 0.5).rename(columns={"d_star_empirical": "d_star_median"})
    table = table.merge(median[["spectrum", "R", "epsilon", "d_star_median", "d_max"]], on=["spectrum", "R", "epsilon"])
    table.insert(table.columns.get_loc("d_star_empirical"), "delta", float(settings["delta"]))
    table["gap_empirical"] = table["d_star_empirical"].astype("Float64") - table["d_star_predicted"]
    table["gap_median"] = table["d_star_median"].astype("Float64") - table["d_star_predicted"]
    return table


# ----------------------------------------------------------------------------------------------------------------
# Hessian spectra of networks


def hessian_subset(data: Dataset, n_examples: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A fixed subset of the training set for the Hessian: the first n_examples of a seeded permutation."""
    n = len(data.y_train)
    order = torch.randperm(n, generator=generator(derive_seed("hessian-subset", seed)))[: min(n_examples, n)]
    return data.x_train[order], data.y_train[order]


def point_name(t0: int | None) -> str:
    """The name of a checkpoint in paths and tables: t0_<t0> for a burn-in point, `solution` for theta*."""
    return "solution" if t0 is None else f"t0_{int(t0)}"


def checkpoint_model(checkpoint: Mapping[str, Any], data: Dataset) -> torch.nn.Module:
    """The checkpoint's network with its weights theta loaded, in eval mode."""
    model = build_model(checkpoint["model"], data.input_shape, data.n_classes, derive_seed("init", checkpoint["seed"]))
    load_flat_params(model, checkpoint["theta"])
    return model.eval()


def spectrum_record(matvec: hessian.MatVec, dim: int, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Top eigenvalues, SLQ density, trace and outlier counts of the operator `matvec` (D = dim).

    Probe 0 is a Lanczos run of `lanczos_iterations` steps: its Ritz values give the top_k eigenvalues and, since it
    starts from a Gaussian vector, it is also the first SLQ probe; probes 1..slq_probes-1 run slq_iterations steps.
    Outliers (Fort & Ganguli: about C of them above the bulk): n_outliers_gap cuts the top_k eigenvalues at their
    largest ratio lambda_j / lambda_{j+1} (outlier_gap_ratio, the ratio at the cut); n_outliers_edge counts the top
    eigenvalues above the SLQ bulk edge (the density drops below 1e-3 of its peak, right of the peak), a criterion
    that counts unconverged Ritz values of the bulk too when the bulk is resolved coarsely."""
    seed = int(settings["seed"])
    values, weights = [], []
    for probe in range(int(settings["slq_probes"])):
        n_iter = int(settings["lanczos_iterations"] if probe == 0 else settings["slq_iterations"])
        ritz_values, ritz_weights = hessian.ritz(hessian.lanczos(matvec, dim, n_iter, derive_seed("slq", seed, probe)))
        values.append(ritz_values)
        weights.append(ritz_weights)
    density = hessian.density_from_ritz(values, weights)
    top = values[0][::-1][: int(settings["top_k"])].copy()
    edge = hessian.density_bulk_edge(density)
    traces = dim * density.probe_means
    nodes, node_weights = np.concatenate(values), np.concatenate(weights) / len(values)
    return {
        "top_eigenvalues": top.tolist(),
        "lambda_max": float(top[0]),
        "lambda_min": float(nodes.min()),
        "bulk_edge": edge,
        "n_outliers_edge": hessian.count_outliers(top, bulk_edge=edge),
        "n_outliers_gap": hessian.count_outliers(top),
        "outlier_gap_ratio": _largest_gap_ratio(top),
        "trace": float(traces.mean()),
        "trace_stderr": float(traces.std(ddof=1) / math.sqrt(traces.size)) if traces.size > 1 else float("nan"),
        "negative_mass": float(node_weights[nodes < 0].sum()),
        "sigma": density.sigma,
        "density_grid": density.grid.tolist(),
        "density": density.density.tolist(),
        "slq_nodes": nodes.tolist(),
        "slq_weights": node_weights.tolist(),
        "slq_probe": np.repeat(np.arange(len(values)), [v.size for v in values]).tolist(),
    }


def _largest_gap_ratio(eigenvalues: np.ndarray) -> float:
    """The largest ratio lambda_j / lambda_{j+1} among the positive eigenvalues (NaN with fewer than two)."""
    positive = np.sort(np.asarray(eigenvalues, dtype=float))[::-1]
    positive = positive[positive > 0]
    return float((positive[:-1] / positive[1:]).max()) if positive.size > 1 else float("nan")


def checkpoint_spectrum(data: Dataset, checkpoint: Mapping[str, Any], settings: Mapping[str, Any]) -> pd.DataFrame:
    """One row: the Hessian spectrum of the mean cross-entropy on the Hessian subset at the checkpoint's theta.

    n_outliers is n_outliers_gap, the largest-ratio-gap criterion on the top_k eigenvalues (see spectrum_record)."""
    start = time.perf_counter()
    model = checkpoint_model(checkpoint, data)
    x, y = hessian_subset(data, int(settings["n_examples"]), int(settings["seed"]))
    theta = checkpoint["theta"].detach()
    matvec = hessian.double_backward_hvp_fn(model, x, y, theta)
    with torch.no_grad():
        subset_loss = float(hessian.loss_fn(model, x, y)(theta))
    record = spectrum_record(matvec, theta.numel(), settings)
    t0 = checkpoint.get("t0")
    row = {
        "dataset": checkpoint["dataset"],
        "model": checkpoint["model"],
        "n_params": int(theta.numel()),
        "seed": int(checkpoint["seed"]),
        "point": point_name(t0),
        "t0": t0,
        "n_classes": data.n_classes,
        "n_examples": int(len(y)),
        "lanczos_iterations": int(settings["lanczos_iterations"]),
        "slq_probes": int(settings["slq_probes"]),
        "slq_iterations": int(settings["slq_iterations"]),
        "subset_loss": subset_loss,
        **{key: float(checkpoint[key]) for key in ("train_loss", "train_acc", "test_loss", "test_acc")},
        "n_outliers": record["n_outliers_gap"],
        **record,
        "wall_time_s": time.perf_counter() - start,
    }
    frame = pd.DataFrame([row])
    frame["t0"] = frame["t0"].astype("Int64")
    return frame


def solution_geometry(
    data: Dataset, solution: Mapping[str, Any], starts: Iterable[Mapping[str, Any]], settings: Mapping[str, Any]
) -> pd.DataFrame:
    """Where the burn-in points lie relative to theta*, one row per start (and one for theta* itself).

    distance_to_solution R = ||theta_t0 - theta*||; on the Hessian subset: the loss at the start, the quadratic
    model's loss there L* + 1/2 delta^T H* delta (delta = theta_t0 - theta*, H* the Hessian at theta*), and the
    Rayleigh quotient delta^T H* delta / R^2 (the theory assumes a random direction, whose quotient is tr H* / D)."""
    model = checkpoint_model(solution, data)
    x, y = hessian_subset(data, int(settings["n_examples"]), int(settings["seed"]))
    theta_star = solution["theta"].detach()
    matvec = hessian.double_backward_hvp_fn(model, x, y, theta_star)
    loss = hessian.loss_fn(model, x, y)
    with torch.no_grad():
        solution_loss = float(loss(theta_star))
    rows = [
        {
            "point": "solution",
            "t0": None,
            "distance_to_solution": 0.0,
            "subset_loss": solution_loss,
            "quadratic_subset_loss": solution_loss,
            "rayleigh_quotient": float("nan"),
        }
    ]
    for start in starts:
        if start["model"] != solution["model"] or int(start["seed"]) != int(solution["seed"]):
            raise ValueError("burn-in checkpoints and the solution must share the model and the seed")
        delta = start["theta"].detach() - theta_star
        curvature = float(delta.double() @ matvec(delta.double()))
        distance = float(torch.linalg.norm(delta))
        with torch.no_grad():
            start_loss = float(loss(start["theta"].detach()))
        rows.append(
            {
                "point": point_name(start["t0"]),
                "t0": int(start["t0"]),
                "distance_to_solution": distance,
                "subset_loss": start_loss,
                "quadratic_subset_loss": solution_loss + 0.5 * curvature,
                "rayleigh_quotient": curvature / distance**2 if distance > 0 else float("nan"),
            }
        )
    frame = pd.DataFrame(rows)
    frame.insert(0, "seed", int(solution["seed"]))
    frame.insert(0, "model", solution["model"])
    frame.insert(0, "dataset", solution["dataset"])
    frame["t0"] = frame["t0"].astype("Int64")
    return frame


def spectrum_table(spectra: Iterable[pd.DataFrame], geometry: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """All checkpoint spectra with their geometry (distance to theta*, quadratic-model loss, Rayleigh quotient);
    rayleigh_over_mean is the Rayleigh quotient over the mean eigenvalue tr H* / D of the seed's solution."""
    table = pd.concat(list(spectra), ignore_index=True)
    geo = pd.concat(list(geometry), ignore_index=True).drop(columns=["t0", "subset_loss"])
    keys = ["dataset", "model", "seed", "point"]
    if table.duplicated(keys).any():
        raise ValueError("two spectra for the same (dataset, model, seed, point)")
    table = table.merge(geo, on=keys, how="left", validate="one_to_one")
    solution = table[table["point"] == "solution"].set_index(["dataset", "model", "seed"])
    mean_eigenvalue = (solution["trace"] / solution["n_params"]).rename("solution_mean_eigenvalue")
    table = table.join(mean_eigenvalue, on=["dataset", "model", "seed"])
    table["rayleigh_over_mean"] = table["rayleigh_quotient"] / table["solution_mean_eigenvalue"]
    table["is_solution"] = table["point"] == "solution"
    return table.sort_values(["dataset", "model", "seed", "is_solution", "t0"], ignore_index=True).drop(
        columns="is_solution"
    )


# ----------------------------------------------------------------------------------------------------------------
# The quadratic prediction of d*(epsilon, t0)


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
