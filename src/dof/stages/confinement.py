"""Gradient confinement (Gur-Ari, Roberts & Dyer 2018; Fort & Ganguli 2019): the share of the gradient's squared norm
inside the top-k Hessian eigenspace, at the burn-in checkpoints and along a finer trajectory of the burn-in's SGD."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import torch
from torch import nn
from torch.nn import functional as F

from dof.config import BurnInConfig, ConfinementConfig
from dof.engine.data import Dataset, features_to
from dof.engine.models import ModelSpec, build_model, count_parameters, functional_logits, model_name
from dof.engine.network import restore_network
from dof.engine.seeding import derive_seed, run_seeds
from dof.engine.subspace import ParamLayout, flatten_params, model_buffers
from dof.engine.training import burn_in
from dof.stages.spectra import hessian_subset
from dof.theory import confinement, hessian

LOG = logging.getLogger("dof")

SOURCES = ("burn_in", "trajectory")
"""confinement.parquet `source`: a burn-in checkpoint (step = t0) or a point of the finer trajectory."""


def confinement_ks(ks: Iterable[int], n_classes: int) -> list[int]:
    """The configured k with k = C (the number of classes) added, ascending."""
    return sorted({int(k) for k in ks} | {int(n_classes)})


def confinement_rows(
    model: nn.Module, theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor, n_classes: int, settings: ConfinementConfig
) -> list[dict[str, Any]]:
    """One row per k: f_top(k) = ||P_k g||^2 / ||g||^2 for the gradient g and the top-k Ritz vectors of the Hessian
    (mean cross-entropy on (x, y) at theta; Lanczos of lanczos_iterations steps), beside k / D and its spread.
    The gradient and the Hessian-vector products on the device of `model`, (x, y) and theta; Lanczos on the CPU."""
    begin = time.perf_counter()
    theta = theta.detach()
    dim = theta.numel()
    ks = confinement_ks(settings.ks, n_classes)
    loss = hessian.loss_fn(model, x, y)
    gradient = torch.func.grad(loss)(theta).detach().cpu()
    device_matvec = hessian.double_backward_hvp_fn(model, x, y, theta)

    def matvec(v: torch.Tensor) -> torch.Tensor:
        return device_matvec(v.to(theta.device)).to(v.device)

    seed = derive_seed("confinement-lanczos", int(settings.seed))
    values, vectors = hessian.top_eigenpairs(matvec, dim, max(ks), int(settings.lanczos_iterations), seed)
    fractions = confinement.gradient_confinement(gradient, vectors, ks)
    g = gradient.double()
    with torch.no_grad():
        logits = functional_logits(model, ParamLayout.of(model).unflatten(theta), x)
    common = {
        "n_params": dim,
        "n_classes": int(n_classes),
        "subset_loss": float(F.cross_entropy(logits, y)),
        "subset_acc": float((logits.argmax(dim=1) == y).double().mean()),
        "grad_norm": float(g.norm()),
        "grad_rayleigh": float(g @ matvec(g) / (g @ g)) if float(g @ g) > 0 else float("nan"),
        "lambda_max": float(values[0]),
        "top_eigenvalues": values.tolist(),
        "lanczos_iterations": int(settings.lanczos_iterations),
        "n_examples": int(len(y)),
        "wall_time_s": time.perf_counter() - begin,
    }
    return [
        {
            "k": k,
            "overlap": fractions[k],
            "random_overlap": confinement.random_fraction(k, dim),
            "random_spread": confinement.random_fraction_spread(k, dim),
            "overlap_over_random": fractions[k] / confinement.random_fraction(k, dim),
            **common,
        }
        for k in ks
    ]


def _frame(rows: list[dict[str, Any]], point: Mapping[str, Any]) -> pd.DataFrame:
    """The rows of one point as a table, and a timestamped log line with f_top at k = C and lambda_max."""
    at_c = next(row for row in rows if row["k"] == row["n_classes"])
    LOG.info(
        "confinement seed %d %s step %d: f_top(k = C = %d) %.3f (k / D %.2e), lambda_max %.4g, %.1f s",
        point["seed"],
        point["source"],
        point["step"],
        at_c["k"],
        at_c["overlap"],
        at_c["random_overlap"],
        at_c["lambda_max"],
        at_c["wall_time_s"],
    )
    return pd.DataFrame([{**point, **row} for row in rows])


def checkpoint_confinement(
    data: Dataset, checkpoint: Mapping[str, Any], settings: ConfinementConfig, device: str = "cpu"
) -> pd.DataFrame:
    """The confinement rows of a burn-in checkpoint (source 'burn_in', step = t0) on the subset of n_examples,
    measured on `device`."""
    model = restore_network(checkpoint, data, device)
    x, y = hessian_subset(data, int(settings.n_examples), int(settings.seed))
    x, y = features_to(x, device), y.to(device)
    point = {
        "dataset": checkpoint["dataset"],
        "model": checkpoint["model"],
        "seed": int(checkpoint["seed"]),
        "source": "burn_in",
        "step": int(checkpoint["t0"]),
        "train_acc": float(checkpoint["train_acc"]),
        "status": checkpoint.get("status", "ok"),
    }
    return _frame(confinement_rows(model, checkpoint["theta"].to(device), x, y, data.n_classes, settings), point)


def trajectory_points(
    data: Dataset, model: ModelSpec, seed: int, steps: Iterable[int], sgd: BurnInConfig
) -> tuple[list[dict[str, Any]], str]:
    """Checkpoints of the burn-in's SGD from the seed's theta_0 at the given steps (engine.training.burn_in on the
    CPU with the burn_in rule's init and batches, so step t is the burn-in checkpoint t0 = t), and how the SGD ended:
    'ok', or 'diverged' (a non-finite loss ended it: the steps after it have no point)."""
    seeds = run_seeds(seed, 0)
    spec, model = model, build_model(model, data.input_shape, data.n_classes, seeds["init_seed"])
    n_params = count_parameters(model)
    wanted = sorted({int(step) for step in steps})
    points: list[dict[str, Any]] = []

    def keep(done: int) -> None:
        if done in wanted:
            points.append(
                {
                    "theta": flatten_params(model).detach().clone(),
                    "buffers": {k: v.clone() for k, v in model_buffers(model).items()},
                    "t0": done,
                    "dataset": data.name,
                    "model": model_name(spec),
                    "model_spec": None if isinstance(spec, str) else dict(spec),
                    "seed": seed,
                    "n_params": n_params,
                }
            )

    keep(0)
    label = f"seed {seed} confinement trajectory"
    _, outcome = burn_in(model, data, max(wanted, default=0), seeds["burn_in_batch_seed"], sgd, label, after_step=keep)
    if outcome.status != "ok":
        LOG.warning("%s: %s after %d steps; steps %s have no point", label, outcome.status, outcome.steps,
                    [step for step in wanted if step > outcome.steps])  # fmt: skip
    return points, outcome.status


def trajectory_confinement(
    data: Dataset,
    model: ModelSpec,
    seed: int,
    steps: Iterable[int],
    sgd: BurnInConfig,
    settings: ConfinementConfig,
    device: str = "cpu",
) -> pd.DataFrame:
    """The confinement rows along the trajectory (source 'trajectory'), with each point's subset accuracy, measured
    on `device`; every row of a trajectory whose SGD diverged has status 'diverged'."""
    x, y = hessian_subset(data, int(settings.n_examples), int(settings.seed))
    x, y = features_to(x, device), y.to(device)
    points, status = trajectory_points(data, model, seed, steps, sgd)
    frames = []
    for point in points:
        network = restore_network(point, data, device)
        where = {
            "dataset": data.name,
            "model": model_name(model),
            "seed": int(seed),
            "source": "trajectory",
            "step": int(point["t0"]),
            "train_acc": float("nan"),
            "status": status,
        }
        rows = confinement_rows(network, point["theta"].to(device), x, y, data.n_classes, settings)
        frames.append(_frame(rows, where))
    return pd.concat(frames, ignore_index=True)
