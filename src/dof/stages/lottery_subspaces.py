"""Lottery subspaces, the lottery stage (Larsen et al. 2022, section 5): the full network is trained from theta_0 with
the burn-in's SGD for T steps; the weight increments every k steps form a D x (T / k) matrix (uncentred) whose top-d
left singular vectors U_d span the subspace theta = theta_0 + U_d phi, phi trained from 0 exactly like a random subspace
run."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import torch
from torch import nn

from dof.config import BurnInConfig, LotteryConfig, SubspaceConfig, as_dict, hyperparameters
from dof.engine.data import Dataset
from dof.engine.network import restore_network
from dof.engine.projections import make_projection
from dof.engine.seeding import derive_seed, run_seeds
from dof.engine.subspace import SubspaceModule, flatten_params
from dof.engine.training import evaluate_split, full_space_loop, train_subspace
from dof.stages.record import run_record

SVD_ARTIFACT_KEYS = ("basis", "singular_values", "theta_start", "dataset", "model", "seed", "n_params")


def record_trajectory(
    model: nn.Module, data: Dataset, batch_seed: int, lottery: LotteryConfig, sgd: BurnInConfig
) -> torch.Tensor:
    """Train `model` in the full space with the burn-in's SGD and return the D x (T // k) matrix of weight increments
    theta_{(i+1) k} - theta_{i k}; a non-finite loss stops the recording (fewer columns)."""
    if lottery.trajectory_steps < lottery.record_every:
        raise ValueError(
            f"a trajectory of {lottery.trajectory_steps} steps records nothing every {lottery.record_every} steps"
        )
    optimizer = torch.optim.SGD(model.parameters(), lr=sgd.lr, momentum=sgd.momentum)
    previous = flatten_params(model)
    columns = torch.empty(previous.numel(), lottery.n_columns)
    done = 0

    def record(step: int) -> None:
        nonlocal previous, done
        if step % lottery.record_every == 0:
            current = flatten_params(model)
            columns[:, done] = current - previous
            previous, done = current, done + 1

    n_steps = lottery.n_columns * lottery.record_every
    full_space_loop(model, data, optimizer, n_steps, sgd.batch_size, batch_seed, "trajectory", after_step=record)
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
    data: Dataset, start: Mapping[str, Any], lottery: LotteryConfig, sgd: BurnInConfig
) -> tuple[torch.Tensor, dict[str, Any]]:
    """(trajectory, artifact): the increments of the full training from the theta_0 checkpoint `start` and the
    artifact every lottery subspace of this seed shares: the top singular vectors `basis` (D x r), their singular
    values, theta_0 with its BatchNorm statistics and its accuracies."""
    seed = int(start["seed"])
    if int(start["t0"]) != 0:
        raise ValueError(f"a lottery subspace passes through theta_0 (t0 = 0), got a t0={start['t0']} checkpoint")
    model = restore_network(start, data)
    batch_seed = derive_seed("trajectory-batches", seed)
    begin = time.perf_counter()
    trajectory = record_trajectory(model, data, batch_seed, lottery, sgd)
    end = evaluate_split(model, data)
    rank = min(lottery.svd_rank, trajectory.shape[1])
    basis, singular_values = top_singular_vectors(
        trajectory, rank, lottery.svd, seed=derive_seed("trajectory-svd", seed)
    )
    settings = {**hyperparameters(BurnInConfig, as_dict(sgd)), **hyperparameters(LotteryConfig, as_dict(lottery))}
    artifact = {
        "basis": basis,
        "singular_values": singular_values,
        "theta_start": start["theta"].detach().clone(),
        "buffers": start.get("buffers") or {},
        "dataset": data.name,
        "model": start["model"],
        "model_spec": start.get("model_spec"),
        "seed": seed,
        "n_params": int(start["theta"].numel()),
        "batch_seed": batch_seed,
        "trajectory": settings,
        "n_columns": int(trajectory.shape[1]),
        "svd": lottery.svd,
        "start_train_acc": float(start["train_acc"]),
        "start_test_acc": float(start["test_acc"]),
        **{f"end_{key}": value for key, value in end.items()},
        "wall_time_s": time.perf_counter() - begin,
    }
    return trajectory, artifact


def run_lottery_subspaces(
    data: Dataset,
    artifacts: Sequence[Mapping[str, Any]],
    dim: int,
    config: SubspaceConfig,
    run_config: dict[str, Any],
    device: str = "cpu",
) -> pd.DataFrame:
    """Train phi from 0 in the d-dimensional lottery subspace of each seed's trajectory; one record per run (t0 = 0,
    projection 'lottery', method 'lottery_subspace'). The mini-batch order is the random-subspace run's of the same
    (seed, d); the recorded subspace_seed is the trajectory's batch seed, which determined U_d."""
    rows = []
    data = data.to(device)
    for artifact in artifacts:
        seed = int(artifact["seed"])
        seeds = run_seeds(seed, dim, config.nested) | {"subspace_seed": int(artifact["batch_seed"])}
        model = restore_network(artifact, data, device, theta_key="theta_start")
        n_params = int(artifact["n_params"])
        projection = make_projection("lottery", n_params, dim, seeds["subspace_seed"], device, basis=artifact["basis"])
        subspace = SubspaceModule(model, dim, projection)  # the network's weights are theta_start
        result = train_subspace(subspace, data, seeds["batch_seed"], config, label=f"lottery d={dim} seed {seed}")
        start = {
            "model": artifact["model"],
            "n_params": n_params,
            "seed": seed,
            "t0": 0,
            "train_acc": artifact["start_train_acc"],
            "test_acc": artifact["start_test_acc"],
        }
        outcome = dataclasses.asdict(result)
        record = run_record(data, start, dim, seeds, projection.describe(), outcome, run_config, device)
        rows.append(record | {"method": "lottery_subspace", "vmap_runs": 1})
    return pd.DataFrame(rows)
