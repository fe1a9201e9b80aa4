"""Lottery subspaces, lottery tickets and the full-model baseline (Larsen et al. 2022, section 5 and figure 7).

* Full-model baseline: every weight trained from theta_0 with the subspace runs' Adam and budget
  (`experiment.solution`, the theory stage's train_full checkpoints); its accuracies are the reference of d_int90
  and the full-model line of figure 7.
* Lottery subspace: the full network is trained from theta_0 with SGD (momentum 0.9, lr 0.05, batch 128) for T steps;
  the weight increments every k steps form a D x (T / k) matrix (uncentred) whose top-d left singular vectors U_d
  span the subspace. theta = theta_0 + U_d phi, phi trained from 0 exactly like a random subspace run
  (`TrajectoryProjection` satisfies the Projection protocol, so `AffineSubspace` and `train_subspace` are reused).
* Lottery ticket: a global magnitude mask over all D parameters keeping round(f D) weights, rewound to theta_0 (or to
  the weights after `rewind_step` steps) and retrained with the pruned weights held at exactly 0. Iterative magnitude
  pruning with rewinding (Frankle & Carbin) prunes `prune_rate_per_round` of the surviving weights per round; the
  authors' one-shot variant prunes once from a briefly pre-trained network. The ticket's training dimension d is
  its number of kept weights.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import torch
from torch import nn
from torch.nn import functional as F

from dof.data import Dataset
from dof.experiment import run_row, seeds_for_run
from dof.models import build_model
from dof.provenance import config_hash, provenance
from dof.seeding import derive_seed
from dof.subspace import AffineSubspace, ParamLayout, flatten_params, load_flat_params
from dof.training import SubspaceConfig, evaluate, full_space_steps, minibatches, steps_per_epoch, train_subspace

METHODS = ("random", "burn_in", "lottery_subspace", "lottery_ticket", "lottery_ticket_one_shot")
"""Values of the `method` column: random (t0 = 0) and burn-in (t0 > 0) subspaces, lottery subspaces, lottery tickets
from iterative magnitude pruning and from the authors' one-shot pruning."""

SVD_ARTIFACT_KEYS = ("basis", "singular_values", "theta_start", "dataset", "model", "seed", "n_params")


# --------------------------------------------------------------------------------------------------------------------
# full-model baseline


BASELINE_COLUMNS = (
    "dataset",
    "model",
    "n_params",
    "seed",
    "batch_seed",
    "steps",
    "train_loss",
    "train_acc",
    "test_loss",
    "test_acc",
    "distance_from_start",
)


def baseline_table(solutions: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """The full-model baseline, one row per seed, from the fully trained solutions theta* of `experiment.solution`
    (every weight trained from theta_0 with the subspace runs' Adam and budget: the theory stage's train_full
    checkpoints). status is 'diverged' when a final loss is not finite."""
    rows = []
    for solution_ in solutions:
        row = {key: solution_[key] for key in BASELINE_COLUMNS}
        finite = all(math.isfinite(float(row[k])) for k in ("train_loss", "test_loss"))
        row["status"] = "ok" if finite else "diverged"
        rows.append(row)
    return pd.DataFrame(rows).sort_values(["dataset", "model", "seed"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------------------------------
# lottery subspaces


@dataclass(frozen=True)
class TrajectoryConfig:
    """Full-space SGD from theta_0 whose increments span the lottery subspace (the protocol's values)."""

    steps: int = 1280
    record_every: int = 5
    lr: float = 0.05
    momentum: float = 0.9
    batch_size: int = 128

    @property
    def n_columns(self) -> int:
        return self.steps // self.record_every


def record_trajectory(model: nn.Module, data: Dataset, batch_seed: int, config: TrajectoryConfig) -> torch.Tensor:
    """Train `model` in the full space and return the D x (steps // record_every) matrix of weight increments
    theta_{(i+1) k} - theta_{i k}; a non-finite loss stops the recording (fewer columns)."""
    if config.steps < config.record_every:
        raise ValueError(f"trajectory of {config.steps} steps records nothing every {config.record_every} steps")
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum)
    previous = flatten_params(model)
    columns = torch.empty(previous.numel(), config.n_columns)
    done = 0
    n_steps = config.n_columns * config.record_every
    for step in full_space_steps(model, data, optimizer, n_steps, config.batch_size, batch_seed):
        if step % config.record_every == 0:
            current = flatten_params(model)
            columns[:, done] = current - previous
            previous, done = current, done + 1
    model.eval()
    return columns[:, :done]


def top_singular_vectors(
    matrix: torch.Tensor, rank: int, method: str = "full", seed: int = 0, niter: int = 4
) -> tuple[torch.Tensor, torch.Tensor]:
    """(U, S): the top-`rank` left singular vectors (D x rank, orthonormal columns) and singular values.

    `full` is torch.linalg.svd of the thin matrix; `lowrank` is torch.svd_lowrank (randomised, seeded, for matrices
    whose full SVD does not fit). Signs are fixed (the largest-magnitude entry of each column is positive), so the
    basis is a deterministic function of the matrix."""
    rank = min(int(rank), *matrix.shape)
    if rank < 1:
        raise ValueError(f"cannot take {rank} singular vectors of a {tuple(matrix.shape)} matrix")
    if method == "full":
        u, s, _ = torch.linalg.svd(matrix, full_matrices=False)
    elif method == "lowrank":
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            u, s, _ = torch.svd_lowrank(matrix, q=min(rank + 10, *matrix.shape), niter=niter)
    else:
        raise ValueError(f"svd method must be 'full' or 'lowrank', not {method!r}")
    u, s = u[:, :rank].contiguous(), s[:rank].contiguous()
    pivots = u.abs().argmax(dim=0)
    signs = torch.sign(u[pivots, torch.arange(rank)])
    signs[signs == 0] = 1
    return u * signs, s


def trajectory_svd(
    data: Dataset, start: dict[str, Any], config: TrajectoryConfig, svd: str = "full", rank: int | None = None
) -> tuple[torch.Tensor, dict[str, Any]]:
    """(trajectory, artifact): the increments of the full training from the theta_0 checkpoint `start` and the
    artifact every lottery subspace of this seed shares: the top singular vectors `basis` (D x r), their singular
    values, theta_0 and its accuracies."""
    seed = int(start["seed"])
    if int(start["t0"]) != 0:
        raise ValueError(f"a lottery subspace passes through theta_0 (t0 = 0), got a t0={start['t0']} checkpoint")
    model = build_model(start["model"], data.input_shape, data.n_classes, derive_seed("init", seed))
    load_flat_params(model, start["theta"])
    batch_seed = derive_seed("trajectory-batches", seed)
    begin = time.perf_counter()
    trajectory = record_trajectory(model, data, batch_seed, config)
    train_loss, train_acc = evaluate(model, data.x_train, data.y_train)
    test_loss, test_acc = evaluate(model, data.x_test, data.y_test)
    rank = trajectory.shape[1] if rank is None else min(int(rank), trajectory.shape[1])
    basis, singular_values = top_singular_vectors(trajectory, rank, svd, seed=derive_seed("trajectory-svd", seed))
    artifact = {
        "basis": basis,
        "singular_values": singular_values,
        "theta_start": start["theta"].detach().clone(),
        "dataset": data.name,
        "model": start["model"],
        "seed": seed,
        "n_params": int(start["theta"].numel()),
        "batch_seed": batch_seed,
        "trajectory": dataclasses.asdict(config),
        "n_columns": int(trajectory.shape[1]),
        "svd": svd,
        "start_train_acc": float(start["train_acc"]),
        "start_test_acc": float(start["test_acc"]),
        "end_train_loss": train_loss,
        "end_train_acc": train_acc,
        "end_test_loss": test_loss,
        "end_test_acc": test_acc,
        "wall_time_s": time.perf_counter() - begin,
    }
    return trajectory, artifact


class TrajectoryProjection:
    """A = U_d, the top-d left singular vectors of the training trajectory (orthonormal columns, like the unit-norm
    columns of the dense random A); calling it is differentiable (autograd gives U_d^T g)."""

    kind = "lottery"

    def __init__(self, basis: torch.Tensor, dim: int, seed: int = 0, device: str | torch.device = "cpu"):
        n_params, available = basis.shape
        if not 1 <= int(dim) <= available:
            raise ValueError(f"a lottery subspace of d={dim} needs d <= {available}, the singular vectors stored")
        self.n_params, self.dim, self.seed = int(n_params), int(dim), int(seed)
        self.basis = basis[:, : self.dim].to(device=device, dtype=torch.float32).contiguous()

    @property
    def matrix(self) -> torch.Tensor:
        return self.basis

    def __call__(self, phi: torch.Tensor) -> torch.Tensor:
        if phi.shape[-1] != self.dim:
            raise ValueError(f"phi has trailing size {phi.shape[-1]}, the projection expects d = {self.dim}")
        return phi @ self.basis.T

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "n_params": self.n_params, "dim": self.dim, "seed": self.seed}


def run_lottery_subspaces(
    data: Dataset,
    artifacts: Sequence[dict[str, Any]],
    dim: int,
    config: SubspaceConfig,
    run_config: dict[str, Any],
    device: str = "cpu",
) -> pd.DataFrame:
    """Train phi from 0 in the d-dimensional lottery subspace of each seed's trajectory; one row per run, with the
    columns of `experiment.run_subspaces` (t0 = 0, projection 'lottery') and method 'lottery_subspace'. The
    mini-batch order is the random-subspace run's of the same (seed, d)."""
    rows = []
    data = data.to(device)
    for artifact in artifacts:
        seed = int(artifact["seed"])
        seeds = seeds_for_run(seed, dim)
        model = build_model(artifact["model"], data.input_shape, data.n_classes, seeds["init_seed"]).to(device)
        n_params = ParamLayout.of(model).n_params
        theta_start = artifact["theta_start"].to(device)
        load_flat_params(model, theta_start)
        projection = TrajectoryProjection(artifact["basis"], dim, seed=int(artifact["batch_seed"]), device=device)
        result = train_subspace(AffineSubspace(model, theta_start, projection), data, seeds["batch_seed"], config)
        start = {"train_acc": artifact["start_train_acc"], "test_acc": artifact["start_test_acc"]}
        seeds = seeds | {"subspace_seed": int(artifact["batch_seed"])}
        rows.append(
            run_row(
                data, artifact["model"], n_params, 0, dim, seed, seeds, projection, start, result, run_config, device
            )
            | {"method": "lottery_subspace", "vmap_runs": 1}
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------------------------
# lottery tickets


@dataclass(frozen=True)
class TicketConfig:
    """Magnitude pruning with rewinding and masked retraining.

    Retraining is SGD with momentum through the stages of `lr_schedule`, each `retrain_steps / len(lr_schedule)` steps
    long (the authors: 0.1, 0.03, 0.01, 0.003 at 400-step boundaries, 1,600 steps; here scaled to `retrain_steps`,
    by default the subspace runs' budget of epochs). The one-shot variant first pre-trains `pretrain_epochs` epochs
    (lr 0.05, momentum 0.9, weight decay on the conv kernels), prunes once per kept fraction, rewinds and retrains."""

    kept_fractions: tuple[float, ...] = (1.0, 0.5, 0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.0025, 0.001)
    prune_rate_per_round: float = 0.5
    rewind_step: int = 0
    iterative: bool = True
    one_shot: bool = True
    lr_schedule: tuple[float, ...] = (0.1, 0.03, 0.01, 0.003)
    momentum: float = 0.9
    batch_size: int = 128
    retrain_steps: int | None = None
    pretrain_epochs: int = 2
    pretrain_lr: float = 0.05
    weight_decay: float = 1e-4


def kept_count(fraction: float, n_params: int) -> int:
    """Weights a ticket of kept fraction f keeps: round(f D), at least 1."""
    if not 0 < fraction <= 1:
        raise ValueError(f"kept fraction must be in (0, 1], got {fraction}")
    return max(1, min(n_params, round(fraction * n_params)))


def magnitude_mask(theta: torch.Tensor, kept: int, current: torch.Tensor | None = None) -> torch.Tensor:
    """Global magnitude pruning: a bool mask keeping exactly `kept` of the weights with the largest |theta| among
    those `current` still keeps (all when None). Ties at the threshold go to the lower index, so the count is exact."""
    scores = theta.detach().abs().flatten().double()
    if current is not None:
        if int(current.sum()) < kept:
            raise ValueError(f"cannot keep {kept} weights of a mask that keeps {int(current.sum())}")
        scores = torch.where(current.flatten(), scores, torch.full_like(scores, -1.0))
    order = torch.sort(-scores, stable=True).indices  # descending magnitude, ties by ascending index
    mask = torch.zeros(scores.numel(), dtype=torch.bool)
    mask[order[:kept]] = True
    return mask.view_as(theta)


def pruning_rounds(kept_fractions: Sequence[float], prune_rate: float) -> list[float]:
    """Kept fractions visited by iterative pruning: from 1 downwards, at most `prune_rate` of the survivors pruned
    per round, landing exactly on every requested fraction."""
    if not 0 < prune_rate < 1:
        raise ValueError(f"prune rate per round must be in (0, 1), got {prune_rate}")
    rounds, current = [1.0], 1.0
    for target in sorted({float(f) for f in kept_fractions if f < 1}, reverse=True):
        while current * (1 - prune_rate) > target * (1 + 1e-9):
            current *= 1 - prune_rate
            rounds.append(current)
        current = target
        rounds.append(target)
    return rounds


@dataclass(frozen=True)
class MaskedResult:
    theta: torch.Tensor
    rewind_theta: torch.Tensor
    status: str
    steps: int


def train_masked(
    model: nn.Module,
    data: Dataset,
    theta_start: torch.Tensor,
    mask: torch.Tensor,
    batch_seed: int,
    steps: int,
    lr_schedule: Sequence[float],
    momentum: float,
    batch_size: int,
    weight_decay: float = 0.0,
    record_step: int = 0,
) -> MaskedResult:
    """SGD with momentum on the weights `mask` keeps, from theta_start * mask; the learning rate runs through
    `lr_schedule` in equal stages. Pruned weights stay exactly 0: their gradients are zeroed before and the mask is
    re-applied after every step. Weight decay (if any) acts on conv kernels only. Also returns the weights after
    `record_step` steps (the rewind point)."""
    layout = ParamLayout.of(model)
    load_flat_params(model, theta_start * mask)
    params = list(model.parameters())
    masks = [
        piece.view(shape).to(params[0].dtype)
        for piece, shape in zip(torch.split(mask.flatten(), [s.numel() for s in layout.shapes]), layout.shapes)
    ]
    conv = [p for p in params if p.dim() == 4]
    other = [p for p in params if p.dim() != 4]
    groups = [{"params": conv, "weight_decay": weight_decay}, {"params": other, "weight_decay": 0.0}]
    optimizer = torch.optim.SGD([g for g in groups if g["params"]], lr=lr_schedule[0], momentum=momentum)
    batches = minibatches(len(data.y_train), batch_size, batch_seed)
    stage_length = max(1, math.ceil(steps / len(lr_schedule)))
    rewind = flatten_params(model)
    status, done = "ok", 0
    model.train()
    for step in range(steps):
        if step == record_step:
            rewind = flatten_params(model)
        lr = lr_schedule[min(step // stage_length, len(lr_schedule) - 1)]
        for group in optimizer.param_groups:
            group["lr"] = lr
        idx = next(batches)
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(data.x_train[idx]), data.y_train[idx])
        if not torch.isfinite(loss):
            status = "diverged"
            break
        loss.backward()
        with torch.no_grad():
            for p, m in zip(params, masks):
                p.grad.mul_(m)
        optimizer.step()
        with torch.no_grad():
            for p, m in zip(params, masks):
                p.mul_(m)
        done += 1
    if record_step >= done and status == "ok":
        rewind = flatten_params(model)
    model.eval()
    return MaskedResult(theta=flatten_params(model), rewind_theta=rewind, status=status, steps=done)


def lottery_tickets(
    data: Dataset,
    start: dict[str, Any],
    config: TicketConfig,
    subspace: SubspaceConfig,
    run_config: dict[str, Any],
) -> pd.DataFrame:
    """Lottery tickets of one theta_0 checkpoint at every kept fraction, by iterative magnitude pruning with
    rewinding (method 'lottery_ticket') and by the authors' one-shot pruning ('lottery_ticket_one_shot'); one row per
    (variant, fraction) with the run-table columns, d = kept weights, plus kept_fraction, prune_round, rewind_step."""
    seed = int(start["seed"])
    if int(start["t0"]) != 0:
        raise ValueError(f"lottery tickets rewind to theta_0 (t0 = 0), got a t0={start['t0']} checkpoint")
    seeds = seeds_for_run(seed, 0)
    model = build_model(start["model"], data.input_shape, data.n_classes, seeds["init_seed"])
    n_params = ParamLayout.of(model).n_params
    theta_0 = start["theta"].detach().clone()
    retrain_steps = config.retrain_steps or subspace.epochs * steps_per_epoch(len(data.y_train), subspace.batch_size)
    batch_seed = derive_seed("ticket-retrain-batches", seed)
    requested = sorted({float(f) for f in config.kept_fractions}, reverse=True)
    common = {
        "dataset": data.name,
        "model": start["model"],
        "n_params": n_params,
        "t0": 0,
        "seed": seed,
        "init_seed": seeds["init_seed"],
        "burn_in_batch_seed": seeds["burn_in_batch_seed"],
        "batch_seed": batch_seed,
        "projection": "mask",
        "projection_settings": json.dumps({"kind": "mask", "rewind_step": config.rewind_step}, sort_keys=True),
        "start_train_acc": float(start["train_acc"]),
        "start_test_acc": float(start["test_acc"]),
        "rewind_step": config.rewind_step,
    }

    def retrain(mask: torch.Tensor, rewind_theta: torch.Tensor, record: int = 0) -> tuple[MaskedResult, dict]:
        begin = time.perf_counter()
        result = train_masked(
            model,
            data,
            rewind_theta,
            mask,
            batch_seed,
            retrain_steps,
            config.lr_schedule,
            config.momentum,
            config.batch_size,
            record_step=record,
        )
        metrics = {"train_loss": math.nan, "train_acc": math.nan, "test_loss": math.nan, "test_acc": math.nan}
        status = result.status
        if status == "ok":
            train_loss, train_acc = evaluate(model, data.x_train, data.y_train)
            test_loss, test_acc = evaluate(model, data.x_test, data.y_test)
            if math.isfinite(train_loss) and math.isfinite(test_loss):
                metrics = {
                    "train_loss": train_loss,
                    "train_acc": train_acc,
                    "test_loss": test_loss,
                    "test_acc": test_acc,
                }
            else:
                status = "diverged"
        return result, {
            "status": status,
            "steps": result.steps,
            **metrics,
            "phi_norm": math.nan,
            "wall_time_s": time.perf_counter() - begin,
        }

    def row(method: str, fraction: float, mask: torch.Tensor, prune_round: int, outcome: dict) -> dict:
        return {
            **common,
            "d": int(mask.sum()),
            **outcome,
            **provenance("cpu"),
            "config_hash": config_hash(run_config),
            "method": method,
            "kept_fraction": fraction,
            "prune_round": prune_round,
        }

    rows = []
    if config.iterative:
        mask = torch.ones(n_params, dtype=torch.bool)
        rewind_theta = trained = theta_0
        for prune_round, fraction in enumerate(pruning_rounds(requested, config.prune_rate_per_round)):
            if prune_round > 0:
                mask = magnitude_mask(trained, kept_count(fraction, n_params), current=mask)
            result, outcome = retrain(mask, rewind_theta, record=config.rewind_step)
            if prune_round == 0 and config.rewind_step > 0:
                rewind_theta = result.rewind_theta
            trained = result.theta
            if any(math.isclose(fraction, f) for f in requested):
                rows.append(row("lottery_ticket", fraction, mask, prune_round, outcome))
            if result.status != "ok":  # later rounds would prune a diverged network
                break
    if config.one_shot:
        pretrain_steps = config.pretrain_epochs * steps_per_epoch(len(data.y_train), config.batch_size)
        dense = torch.ones(n_params, dtype=torch.bool)
        pretrained = train_masked(
            model,
            data,
            theta_0,
            dense,
            derive_seed("ticket-pretrain-batches", seed),
            pretrain_steps,
            [config.pretrain_lr],
            config.momentum,
            config.batch_size,
            config.weight_decay,
            record_step=config.rewind_step,
        )
        rewind_theta = pretrained.rewind_theta if config.rewind_step > 0 else theta_0
        for fraction in requested:
            mask = magnitude_mask(pretrained.theta, kept_count(fraction, n_params))
            _, outcome = retrain(mask, rewind_theta)
            rows.append(row("lottery_ticket_one_shot", fraction, mask, 1, outcome))
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------------------------
# grid checks and tables


def check_lottery_dims(dims: Sequence[int], steps: int, record_every: int, svd_rank: int) -> None:
    """Refuse lottery subspace dimensions beyond the singular vectors available (min(svd_rank, T // k)), naming keys."""
    available = min(int(svd_rank), int(steps) // int(record_every))
    too_large = sorted(d for d in dims if d > available)
    if too_large:
        raise ValueError(
            f"config key lottery.dims: {too_large} exceed the {available} singular vectors available "
            f"(min(lottery.svd_rank = {svd_rank}, lottery.trajectory_steps / lottery.record_every = {steps} / "
            f"{record_every})); raise trajectory_steps or lower the dims"
        )


SUBSPACE_KEY = ["dataset", "model", "d", "seed"]
TICKET_KEY = ["dataset", "model", "method", "kept_fraction", "seed"]


def aggregate_lottery(chunks: Sequence[pd.DataFrame], expected: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Lottery subspace and ticket chunk tables into one, each checked against its grid (`expected['subspaces']`,
    `expected['tickets']` if tickets run), sorted by method, d and seed."""
    from dof.records import check_complete

    table = pd.concat(list(chunks), ignore_index=True)
    subspaces = table[table["method"] == "lottery_subspace"]
    check_complete(subspaces, expected["subspaces"])
    tickets = table[table["method"] != "lottery_subspace"]
    if "tickets" in expected:
        check_complete(tickets, expected["tickets"])
    elif not tickets.empty:
        raise ValueError(f"{len(tickets)} ticket rows found but tickets are not configured")
    order = ["dataset", "model", "method", "d", "seed"]
    return table.sort_values(order, kind="stable").reset_index(drop=True)


def combine_methods(runs: pd.DataFrame, lottery_runs: pd.DataFrame) -> pd.DataFrame:
    """One long table of every method: random and burn-in subspace runs (runs.parquet) and the lottery rows."""
    from dof.thresholds import with_method

    table = pd.concat([with_method(runs), lottery_runs], ignore_index=True)
    order = ["dataset", "model", "method", "t0", "d", "seed"]
    return table.sort_values(order, kind="stable").reset_index(drop=True)


def median_reach_table(methods: pd.DataFrame, levels: Sequence[float], metric: str = "train_acc") -> pd.DataFrame:
    """Per (dataset, model, method, t0) and accuracy level: the smallest d whose median `metric` over seeds reaches
    the level (a diverged run counts as 0), with the compression D / d; null where no d of the grid does."""
    from dof.thresholds import GROUP, first_crossing, with_method

    methods = with_method(methods)
    value = methods[metric].where(methods["status"].eq("ok"), 0.0).fillna(0.0)
    medians = methods[[*GROUP, "d"]].assign(value=value).groupby([*GROUP, "d"], sort=True)["value"].median()
    rows = []
    for key, curve in medians.groupby(level=list(range(len(GROUP))), sort=True):
        dims = curve.index.get_level_values("d").to_numpy()
        for level in levels:
            d = float(first_crossing(dims, curve.to_numpy(), float(level)))
            rows.append({**dict(zip(GROUP, key)), "metric": metric, "level": float(level), "d_reach": d})
    table = pd.DataFrame(rows, columns=[*GROUP, "metric", "level", "d_reach"])
    table["compression"] = table["n_params"] / table["d_reach"]
    table["d_reach"] = table["d_reach"].astype("Float64").astype("Int64")
    return table
