"""Jamming stage (Geiger, Spigler et al. 2018-19): fully connected networks of N parameters trained full-batch on a
hinge loss over P points with labels +-1, until every point has margin y f >= 1 (L = 0) or the loss is stuck.

Runs in float64 by default (the authors' choice: float32 made borderline runs worse)."""

from __future__ import annotations

import itertools
import logging
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from dof.config import JammingConfig, as_dict
from dof.engine.data import load_dataset
from dof.engine.models import model_logits
from dof.engine.provenance import PROVENANCE_COLUMNS
from dof.engine.seeding import derive_seed, generator
from dof.engine.training import Progress, guarded_steps
from dof.stages.record import provenance_columns
from dof.tables import JAMMING_RUN_KEY

LOG = logging.getLogger("dof")

STATUSES = ("fitted", "stuck", "budget", "diverged")
"""jamming_runs.parquet `status`: L = 0 reached; after every lr drop the loss stopped falling at L > 0 with more than
stuck_n_delta * N margins unsatisfied (UNSAT); the step budget ran out at L > 0, undecided (censored in N*(P)); a
non-finite loss stopped the run."""

RUN_COLUMNS = [
    *JAMMING_RUN_KEY,
    "n_params",
    "init_seed",
    "status",
    "steps",
    "final_loss",
    "n_delta",
    "train_error",
    "test_error",
    "wall_time_s",
    *PROVENANCE_COLUMNS,
]
"""Columns every jamming_runs.parquet record has; aggregation (records.aggregate) refuses chunk tables without them."""


@dataclass(frozen=True)
class BinaryData:
    """Inputs (float64 rows) and labels +-1 of a binary task: P training points and a test set."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor

    def to(self, dtype: torch.dtype, device: str) -> BinaryData:
        """The same task as `dtype` tensors on `device`."""
        return BinaryData(
            *(t.to(device=device, dtype=dtype) for t in (self.x_train, self.y_train, self.x_test, self.y_test))
        )


def parity(labels: torch.Tensor) -> torch.Tensor:
    """y = +1 for an even class index (digits: even digits), -1 for an odd one."""
    return 1.0 - 2.0 * (labels % 2).to(torch.float64)


def pca_projection(x_fit: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(mean, top-k principal directions (columns), their standard deviations) of the rows of `x_fit`."""
    mean = x_fit.mean(dim=0)
    _, s, vh = torch.linalg.svd(x_fit - mean, full_matrices=False)
    std = s[:k] / math.sqrt(max(1, len(x_fit) - 1))
    return mean, vh[:k].T, std.clamp_min(1e-12)


def normalise(x: torch.Tensor, mean: torch.Tensor) -> torch.Tensor:
    """Subtract the training mean and rescale every row to norm sqrt(dim) (the authors' preprocessing)."""
    x = x - mean
    return x * (math.sqrt(x.shape[1]) / x.norm(dim=1, keepdim=True).clamp_min(1e-12))


def gaussian_task(n_train: int, n_test: int, input_dim: int, seed: int) -> BinaryData:
    """P + n_test points x ~ N(0, I) with random labels +-1 (fair coins), drawn from `seed`."""
    gen = generator(seed)
    x = torch.randn(n_train + n_test, input_dim, generator=gen, dtype=torch.float64)
    y = 1.0 - 2.0 * torch.randint(0, 2, (n_train + n_test,), generator=gen).to(torch.float64)
    return BinaryData(x[:n_train], y[:n_train], x[n_train:], y[n_train:])


def real_task(dataset: str, n_train: int, pca: int | None, data_options: dict[str, Any]) -> BinaryData:
    """The first P points of a dataset's training split with parity labels, its whole test split; inputs flattened,
    with `pca`: whitened onto the top-`pca` principal components fitted on the whole training split (never the test
    split); then centred on the training split's mean and rescaled to norm sqrt(dim)."""
    data = load_dataset(dataset, **data_options)
    x_all = data.x_train.flatten(1).to(torch.float64)
    x_test = data.x_test.flatten(1).to(torch.float64)
    if not 0 < n_train <= len(x_all):
        raise ValueError(f"jamming.n_train: P = {n_train} exceeds the {len(x_all)} training points of {dataset!r}")
    if pca is not None:
        mean, directions, std = pca_projection(x_all, pca)
        x_all, x_test = (x_all - mean) @ directions / std, (x_test - mean) @ directions / std
    mean = x_all.mean(dim=0)
    x_all, x_test = normalise(x_all, mean), normalise(x_test, mean)
    return BinaryData(x_all[:n_train], parity(data.y_train[:n_train]), x_test, parity(data.y_test))


def task_seed(dataset: str, n_train: int, seed: int) -> int | None:
    """The seed of a run's data: gaussian draws fresh points per (P, seed), so that P_success is a probability over
    data sets (Cover's theorem); real datasets have none (fixed points, only the initialisation varies)."""
    return derive_seed("jamming-gaussian", n_train, seed) if dataset == "gaussian" else None


def build_task(
    dataset: str, n_train: int, seed: int, config: JammingConfig, data_options: dict[str, Any]
) -> BinaryData:
    """The binary task of one run (see real_task and gaussian_task)."""
    if dataset == "gaussian":
        return gaussian_task(
            n_train, config.gaussian.n_test, config.gaussian.input_dim, task_seed(dataset, n_train, seed)
        )
    return real_task(dataset, n_train, config.pca, data_options)


def chunk_tasks(
    dataset: str, n_train: int, seeds: list[int], config: JammingConfig, data_options: dict[str, Any]
) -> Iterator[tuple[int, BinaryData]]:
    """(seed, task) for a chunk of seeds: one real-data task shared by the chunk, a Gaussian task drawn per seed."""
    shared = None if dataset == "gaussian" else build_task(dataset, n_train, seeds[0], config, data_options)
    for seed in seeds:
        yield seed, shared if shared is not None else build_task(dataset, n_train, seed, config, data_options)


def init_seed(seed: int, depth: int, width: int) -> int:
    """The seed of a jamming network's initialisation (shared by the full-space and the subspace runs)."""
    return derive_seed("jamming-init", seed, depth, width)


def fc_network(input_dim: int, depth: int, width: int, seed: int, key: str = "jamming.widths") -> nn.Sequential:
    """A ReLU network with `depth` hidden layers of `width` units, biases and a scalar output; depth 0 is a linear
    model on the first `width` inputs (more is an error naming the config key `key`). Hidden weights N(0, 2 / fan_in),
    output weights N(0, 1 / fan_in), biases 0."""
    gen = generator(seed)
    if depth == 0:
        if not 0 < width <= input_dim:
            raise ValueError(f"{key}: a linear model keeps 1..{input_dim} input coordinates, got {width}")
        sizes = [width, 1]
    else:
        sizes = [input_dim, *[width] * depth, 1]
    layers: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        linear = nn.Linear(fan_in, fan_out, dtype=torch.float64)
        last = i == len(sizes) - 2
        with torch.no_grad():
            linear.weight.copy_(torch.randn(fan_out, fan_in, generator=gen, dtype=torch.float64))
            linear.weight.mul_(math.sqrt((1.0 if last else 2.0) / fan_in))
            linear.bias.zero_()
        layers += [linear] if last else [linear, nn.ReLU()]
    return nn.Sequential(*layers)


def n_parameters(input_dim: int, depth: int, width: int) -> int:
    """N, the exact number of weights and biases of fc_network."""
    if depth == 0:
        return width + 1
    return input_dim * width + width + (depth - 1) * (width * width + width) + width + 1


def hinge_loss(margins: torch.Tensor, loss: str) -> torch.Tensor:
    """(1/P) sum 1/2 max(0, 1 - y f)^2 (quadratic_hinge) or (1/P) sum max(0, 1 - y f) (hinge)."""
    gap = torch.clamp(1.0 - margins, min=0.0)
    return (0.5 * gap**2).mean() if loss == "quadratic_hinge" else gap.mean()


@dataclass
class Fit:
    """The outcome of fit_margins: status (STATUSES), optimiser steps taken, final learning rate."""

    status: str
    steps: int
    lr: float


def fit_margins(
    params: list[torch.Tensor], margins_of: Callable[[], torch.Tensor], config: JammingConfig, lr: float, label: str
) -> Fit:
    """Full-batch Adam at `lr` on the hinge loss of the margins y f until every y f >= 1 - fit_tolerance ('fitted',
    checked before every update); plateaus (`plateaued`) drop the lr; a plateau after the last drop ends the run
    'stuck' only with more than stuck_n_delta * N margins unsatisfied (N = the trained parameters); else 'budget'."""
    optimizer = torch.optim.Adam(params, lr=lr)
    n_trained = sum(p.numel() for p in params)
    state = {"best": math.inf, "gap": math.inf, "n_delta": 0, "drops": 0}
    history: list[float] = []  # the best loss at every check since the last lr drop

    def full_loss() -> torch.Tensor:
        margins = margins_of()
        loss = hinge_loss(margins, config.loss)
        unsatisfied = margins.detach() < 1.0 - config.fit_tolerance
        state["gap"] = float(1.0 - margins.detach().min())
        state["n_delta"] = int(unsatisfied.sum())
        state["best"] = min(state["best"], float(loss.detach()))
        return loss

    def stop(done: int) -> str | None:
        if state["gap"] <= config.fit_tolerance:
            return "fitted"
        if done == 0 or done % config.check_every:
            return None
        history.append(state["best"])
        if not plateaued(history, config):
            return None
        if state["drops"] >= config.lr_drops:
            return "stuck" if state["n_delta"] > config.stuck_n_delta * n_trained else None
        state["drops"] += 1
        history.clear()
        for group in optimizer.param_groups:
            group["lr"] *= config.lr_factor
        LOG.info("%s: plateau at step %d, loss %.3e: lr -> %.1e", label, done, state["best"], group["lr"])
        return None

    no_batches = itertools.repeat(torch.empty(0, dtype=torch.long))  # guarded_steps' mini-batch slot: unused
    progress = Progress(label, config.log_every, config.max_steps)
    outcome = guarded_steps(
        lambda _: full_loss(), optimizer, no_batches, config.max_steps, stop=stop, progress=progress
    )
    status = "budget" if outcome.status == "ok" else outcome.status
    if status == "budget":
        with torch.no_grad():
            full_loss()
        if state["gap"] <= config.fit_tolerance:
            status = "fitted"  # the last update reached L = 0
    return Fit(status, outcome.steps, optimizer.param_groups[0]["lr"])


def plateaued(history: list[float], config: JammingConfig) -> bool:
    """A plateau: the best loss (checked every check_every steps since the last lr drop) fell by less than
    plateau_rtol over a window of plateau_steps or half the steps since the drop, whichever is longer; a loss decaying
    as a power of the steps never plateaus, one converging to L > 0 does."""
    lag = max(config.plateau_steps // config.check_every, len(history) // 2)
    return len(history) > lag and history[-1] >= (1.0 - config.plateau_rtol) * history[-1 - lag]


def fit_network(model: nn.Module, x: torch.Tensor, y: torch.Tensor, config: JammingConfig, label: str) -> Fit:
    """fit_margins on every weight of `model` at config.lr."""

    def margins() -> torch.Tensor:
        return y * model_logits(model, x).squeeze(-1)

    return fit_margins(list(model.parameters()), margins, config, config.lr, label)


@torch.no_grad()
def margins_of(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """y f(x) of every point."""
    return y * model_logits(model, x).squeeze(-1)


def train_run(
    task: BinaryData, dataset: str, depth: int, width: int, seed: int, config: JammingConfig, device: str = "cpu"
) -> tuple[dict[str, Any], np.ndarray]:
    """Train one network; (its record without provenance, its test margins y f as float32)."""
    start = time.perf_counter()
    dtype = torch.float64 if config.dtype == "float64" else torch.float32
    task = task.to(dtype, device)
    input_dim, n_train = task.x_train.shape[1], len(task.y_train)
    network_seed = init_seed(seed, depth, width)
    model = fc_network(input_dim, depth, width, network_seed).to(device=device, dtype=dtype)
    x_train, x_test = (task.x_train[:, :width], task.x_test[:, :width]) if depth == 0 else (task.x_train, task.x_test)
    label = f"{dataset} L={depth} h={width} P={n_train} seed {seed}"
    fit = fit_network(model, x_train, task.y_train, config, label)
    train, test = margins_of(model, x_train, task.y_train), margins_of(model, x_test, task.y_test)
    loss = float(hinge_loss(train, config.loss))
    status = fit.status if math.isfinite(loss) and torch.isfinite(test).all() else "diverged"
    n_params = n_parameters(input_dim, depth, width)
    record = {
        "dataset": dataset,
        "depth": depth,
        "n_train": n_train,
        "width": width,
        "seed": seed,
        "n_params": n_params,
        "input_dim": input_dim if depth else width,
        "n_test": len(task.y_test),
        "init_seed": network_seed,
        "data_seed": task_seed(dataset, n_train, seed),
        "loss_kind": config.loss,
        "status": status,
        "steps": fit.steps,
        "final_lr": fit.lr,
        "final_loss": loss,
        "n_delta": int((train < 1.0 - config.fit_tolerance).sum()),
        "train_error": float((train <= 0).double().mean()),
        "test_error": float((test <= 0).double().mean()),
        "wall_time_s": time.perf_counter() - start,
    }
    LOG.info(
        "%s: %s after %d steps, loss %.3e, N_Delta %d, N %d",
        label,
        status,
        fit.steps,
        loss,
        record["n_delta"],
        n_params,
    )
    return record, test.detach().cpu().numpy().astype(np.float32)


def run_jamming_chunk(
    dataset: str,
    depth: int,
    n_train: int,
    width: int,
    seeds: list[int],
    config: JammingConfig,
    data_options: dict[str, Any],
    device: str = "cpu",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The runs of one (dataset, depth, P, width) cell and a chunk of seeds: (records with provenance, test margins
    y f per run as a list column `test_margin`)."""
    records, margins = [], []
    meta = provenance_columns(device, as_dict(config))
    for seed, task in chunk_tasks(dataset, n_train, seeds, config, data_options):
        record, test = train_run(task, dataset, depth, width, seed, config, device)
        records.append({**record, **meta})
        margins.append({key: record[key] for key in JAMMING_RUN_KEY} | {"test_margin": test})
    return pd.DataFrame(records), pd.DataFrame(margins)
