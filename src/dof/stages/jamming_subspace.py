"""Degrees of freedom two ways (issue 13): random affine subspaces theta_0 + A phi of dimension d of one wide network
of the jamming stage, phi trained full-batch with the jamming stage's hinge loss and stop rules (fit_margins);
success is L = 0 (status 'fitted'), so that d*(P) can stand beside N*(P) on the same task and P."""

from __future__ import annotations

import logging
import math
import time
from typing import Any

import pandas as pd
import torch

from dof.config import JammingConfig, as_dict
from dof.engine.models import model_logits
from dof.engine.provenance import PROVENANCE_COLUMNS
from dof.engine.seeding import derive_seed
from dof.engine.subspace import SubspaceModule
from dof.stages.jamming import (
    BinaryData,
    chunk_tasks,
    fc_network,
    fit_margins,
    hinge_loss,
    init_seed,
    n_parameters,
    task_seed,
)
from dof.stages.record import METRICS, run_record
from dof.tables import JAMMING_SUBSPACE_RUN_KEY

LOG = logging.getLogger("dof")

RUN_COLUMNS = [
    *JAMMING_SUBSPACE_RUN_KEY,
    "model",
    "n_params",
    "init_seed",
    "subspace_seed",
    "projection",
    "status",
    "steps",
    *METRICS,
    "n_delta",
    "wall_time_s",
    *PROVENANCE_COLUMNS,
]
"""Columns every jamming_subspace_runs.parquet record has; aggregation (records.aggregate) refuses chunk tables
without them."""


def network_name(depth: int, width: int) -> str:
    """The `model` column of a subspace run: the wide network's depth and width."""
    return f"fc_L{depth}_h{width}"


def subspace_run_seeds(seed: int, depth: int, width: int, d: int, nested: bool = True) -> dict[str, int]:
    """The recorded seeds: the network's initialisation (the jamming run of this depth, width and seed starts from
    the same theta_0) and the projection A. Nested (the default, as seeding.run_seeds), A's seed does not depend on
    d: A_d is the first d columns of the seed's one A, so a seed's subspaces grow with d; with nested=False A is
    drawn afresh for every (seed, d) (independent cells across d)."""
    dims = () if nested else (d,)
    return {
        "init_seed": init_seed(seed, depth, width),
        "subspace_seed": derive_seed("jamming-subspace", seed, *dims),
    }


@torch.no_grad()
def binary_metrics(margins: torch.Tensor, loss: str) -> tuple[float, float]:
    """(hinge loss, accuracy = fraction of margins y f > 0)."""
    return float(hinge_loss(margins, loss)), float((margins > 0).double().mean())


def train_subspace_run(
    task: BinaryData, dataset: str, d: int, seed: int, config: JammingConfig, device: str = "cpu"
) -> dict[str, Any]:
    """Train phi (from 0) of one random subspace of the wide network (config.subspace) until L = 0, a plateau or the
    budget (fit_margins at config.subspace.lr); its record through run_record (hinge loss and accuracy as the
    metrics, status one of jamming.STATUSES, N_Delta and P as extra columns)."""
    start = time.perf_counter()
    sub = config.subspace
    dtype = torch.float64 if config.dtype == "float64" else torch.float32
    task = task.to(dtype, device)
    input_dim, n_train = task.x_train.shape[1], len(task.y_train)
    seeds = subspace_run_seeds(seed, sub.depth, sub.width, d, sub.nested)
    model = fc_network(input_dim, sub.depth, sub.width, seeds["init_seed"], "jamming.subspace.width")
    model = model.to(device=device, dtype=dtype)
    n_params = n_parameters(input_dim, sub.depth, sub.width)
    if d > n_params:
        raise ValueError(f"jamming.subspace.dims: d = {d} exceeds the wide network's D = {n_params}")
    keep = slice(None) if sub.depth else slice(0, sub.width)
    x_train, x_test = task.x_train[:, keep], task.x_test[:, keep]
    subspace = SubspaceModule(model, d, sub.projection, seeds["subspace_seed"])
    phi = subspace.phi  # the projection's float32; theta in the task's dtype

    def margins(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return y * model_logits(subspace, x).squeeze(-1)

    with torch.no_grad():
        start_train, start_test = margins(x_train, task.y_train), margins(x_test, task.y_test)
    label = f"{dataset} subspace d={d} of {network_name(sub.depth, sub.width)} P={n_train} seed {seed}"
    fit = fit_margins([phi], lambda: margins(x_train, task.y_train), config, sub.lr, label)
    with torch.no_grad():
        train, test = margins(x_train, task.y_train), margins(x_test, task.y_test)
    train_loss, train_acc = binary_metrics(train, config.loss)
    test_loss, test_acc = binary_metrics(test, config.loss)
    finite = math.isfinite(train_loss) and math.isfinite(test_loss) and bool(torch.isfinite(phi).all())
    outcome = {
        "status": fit.status if finite else "diverged",
        "steps": fit.steps,
        "train_loss": train_loss,
        "train_acc": train_acc,
        "test_loss": test_loss,
        "test_acc": test_acc,
        "phi_norm": float(phi.detach().norm()),
        "wall_time_s": time.perf_counter() - start,
    }
    start_point = {
        "model": network_name(sub.depth, sub.width),
        "n_params": n_params,
        "t0": 0,
        "seed": seed,
        "train_acc": binary_metrics(start_train, config.loss)[1],
        "test_acc": binary_metrics(start_test, config.loss)[1],
    }
    record = run_record(
        dataset,
        start_point,
        d,
        seeds,
        {**subspace.describe(), "nested": sub.nested},
        outcome,
        {"jamming": as_dict(config)},
        device,
        method="jamming_subspace",
        n_train=n_train,
        depth=sub.depth,
        width=sub.width,
        input_dim=input_dim if sub.depth else sub.width,
        data_seed=task_seed(dataset, n_train, seed),
        loss_kind=config.loss,
        final_lr=fit.lr,
        n_delta=int((train < 1.0 - config.fit_tolerance).sum()),
    )
    LOG.info(
        "%s: %s after %d steps, loss %.3e, N_Delta %d",
        label,
        outcome["status"],
        fit.steps,
        train_loss,
        record["n_delta"],
    )
    return record


def run_subspace_chunk(
    dataset: str,
    n_train: int,
    d: int,
    seeds: list[int],
    config: JammingConfig,
    data_options: dict[str, Any],
    device: str = "cpu",
) -> pd.DataFrame:
    """The subspace runs of one (dataset, P, d) cell and a chunk of seeds, one record each."""
    tasks = chunk_tasks(dataset, n_train, seeds, config, data_options)
    return pd.DataFrame([train_subspace_run(task, dataset, d, seed, config, device) for seed, task in tasks])
