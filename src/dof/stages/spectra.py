"""Hessian spectra of trained networks (the theory stage): the spectrum at a checkpoint (burn-in point or the baseline
solution theta*) and where the burn-in points lie relative to theta* (distance, quadratic-model loss, Rayleigh
quotient)."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import torch

from dof.config import HessianConfig
from dof.engine.data import Dataset, Features, rows
from dof.engine.network import restore_network
from dof.engine.seeding import derive_seed, generator
from dof.theory import hessian


def hessian_subset(data: Dataset, n_examples: int, seed: int) -> tuple[Features, torch.Tensor]:
    """A fixed subset of the training set for the Hessian: the first n_examples of a seeded permutation."""
    n = len(data.y_train)
    order = torch.randperm(n, generator=generator(derive_seed("hessian-subset", seed)))[: min(n_examples, n)]
    return rows(data.x_train, order), data.y_train[order]


def point_name(t0: int | None) -> str:
    """The name of a checkpoint in paths and tables: t0_<t0> for a burn-in point, `solution` for theta*."""
    return "solution" if t0 is None else f"t0_{int(t0)}"


def spectrum_record(matvec: hessian.MatVec, dim: int, settings: HessianConfig) -> dict[str, Any]:
    """Top eigenvalues, SLQ density, trace and outlier counts of the operator `matvec` (D = dim).

    Probe 0 is a Lanczos run of `lanczos_iterations` steps: its Ritz values give the top_k eigenvalues and, since it
    starts from a Gaussian vector, it is also the first SLQ probe; probes 1..slq_probes-1 run slq_iterations steps.
    Outliers (Fort & Ganguli: about C of them above the bulk): n_outliers_gap cuts the top_k eigenvalues at their
    largest ratio lambda_j / lambda_{j+1} (outlier_gap_ratio, the ratio at the cut); n_outliers_edge counts the top
    eigenvalues above the SLQ bulk edge (the density drops below 1e-3 of its peak, right of the peak), a criterion
    that counts unconverged Ritz values of the bulk too when the bulk is resolved coarsely."""
    seed = int(settings.seed)
    values, weights = [], []
    for probe in range(int(settings.slq_probes)):
        n_iter = int(settings.lanczos_iterations if probe == 0 else settings.slq_iterations)
        ritz_values, ritz_weights = hessian.ritz(hessian.lanczos(matvec, dim, n_iter, derive_seed("slq", seed, probe)))
        values.append(ritz_values)
        weights.append(ritz_weights)
    density = hessian.density_from_ritz(values, weights)
    top = values[0][::-1][: int(settings.top_k)].copy()
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


def checkpoint_spectrum(data: Dataset, checkpoint: Mapping[str, Any], settings: HessianConfig) -> pd.DataFrame:
    """One row: the Hessian spectrum of the mean cross-entropy on the Hessian subset at the checkpoint's theta.

    n_outliers is n_outliers_gap, the largest-ratio-gap criterion on the top_k eigenvalues (see spectrum_record)."""
    start = time.perf_counter()
    model = restore_network(checkpoint, data)
    x, y = hessian_subset(data, int(settings.n_examples), int(settings.seed))
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
        "lanczos_iterations": int(settings.lanczos_iterations),
        "slq_probes": int(settings.slq_probes),
        "slq_iterations": int(settings.slq_iterations),
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
    data: Dataset, solution: Mapping[str, Any], starts: Iterable[Mapping[str, Any]], settings: HessianConfig
) -> pd.DataFrame:
    """Where the burn-in points lie relative to theta*, one row per start (and one for theta* itself).

    distance_to_solution R = ||theta_t0 - theta*||; on the Hessian subset: the loss at the start, the quadratic
    model's loss there L* + 1/2 delta^T H* delta (delta = theta_t0 - theta*, H* the Hessian at theta*), and the
    Rayleigh quotient delta^T H* delta / R^2 (the theory assumes a random direction, whose quotient is tr H* / D)."""
    model = restore_network(solution, data)
    x, y = hessian_subset(data, int(settings.n_examples), int(settings.seed))
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
