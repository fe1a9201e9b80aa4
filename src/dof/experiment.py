"""One stage of an experiment each: burn-in checkpoints and chunks of subspace runs, as records."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pandas as pd
import torch

from dof.data import Dataset
from dof.models import build_model
from dof.projections import Projection, make_projection
from dof.provenance import config_hash, provenance
from dof.seeding import derive_seed
from dof.subspace import AffineSubspace, ParamLayout, load_buffers, load_flat_params, model_buffers
from dof.training import (
    BurnInConfig,
    SubspaceConfig,
    SubspaceResult,
    burn_in,
    can_vmap,
    evaluate,
    train_full,
    train_subspace,
    train_subspaces_vmapped,
)

CHECKPOINT_KEYS = ("theta", "dataset", "model", "seed", "t0", "n_params")


def seeds_for_run(seed: int, d: int) -> dict[str, int]:
    """The recorded seeds of a run: network init, projection A and subspace mini-batch order.

    A and the batch order depend on (seed, d) but not on t0, so runs that differ only in t0 share them
    (common random numbers: the burn-in comparison is not blurred by different subspaces)."""
    return {
        "init_seed": derive_seed("init", seed),
        "burn_in_batch_seed": derive_seed("burn-in-batches", seed),
        "subspace_seed": derive_seed("subspace", seed, d),
        "batch_seed": derive_seed("subspace-batches", seed, d),
    }


def pretrain(data: Dataset, model_name: str, seed: int, t0: int, config: BurnInConfig) -> dict[str, Any]:
    """The burn-in checkpoint: theta_t after t0 full-space SGD steps from the seeded initialisation."""
    seeds = seeds_for_run(seed, 0)
    model = build_model(model_name, data.input_shape, data.n_classes, seeds["init_seed"])
    theta = burn_in(model, data, t0, seeds["burn_in_batch_seed"], config)
    model.eval()
    train_loss, train_acc = evaluate(model, data.x_train, data.y_train)
    test_loss, test_acc = evaluate(model, data.x_test, data.y_test)
    return {
        "theta": theta,
        "dataset": data.name,
        "model": model_name,
        "n_params": theta.numel(),
        "seed": seed,
        "init_seed": seeds["init_seed"],
        "burn_in_batch_seed": seeds["burn_in_batch_seed"],
        "t0": t0,
        "burn_in": dataclasses.asdict(config),
        "buffers": model_buffers(model),
        "train_loss": train_loss,
        "train_acc": train_acc,
        "test_loss": test_loss,
        "test_acc": test_acc,
    }


def run_row(
    data: Dataset,
    model_name: str,
    n_params: int,
    t0: int,
    dim: int,
    seed: int,
    seeds: dict[str, int],
    projection: Projection,
    start: dict[str, float],
    result: SubspaceResult,
    run_config: dict[str, Any],
    device: str,
) -> dict[str, Any]:
    """One runs.parquet record: the run's grid point, seeds, projection, start and final metrics, provenance."""
    return {
        "dataset": data.name,
        "model": model_name,
        "n_params": n_params,
        "t0": t0,
        "d": dim,
        "seed": seed,
        **seeds,
        "projection": projection.kind,
        "projection_settings": json.dumps(projection.describe(), sort_keys=True),
        "start_train_acc": float(start["train_acc"]),
        "start_test_acc": float(start["test_acc"]),
        **dataclasses.asdict(result),
        **provenance(device),
        "config_hash": config_hash(run_config),
    }


def start_subspace(
    data: Dataset, checkpoint: dict[str, Any], dim: int, projection: str, device: str = "cpu"
) -> tuple[AffineSubspace, dict[str, int]]:
    """The affine subspace of dimension `dim` through a checkpoint's weights (and BatchNorm statistics, when it
    has them), with the run's seeds."""
    seed, t0 = int(checkpoint["seed"]), int(checkpoint["t0"])
    seeds = seeds_for_run(seed, dim)
    model = build_model(checkpoint["model"], data.input_shape, data.n_classes, seeds["init_seed"]).to(device)
    n_params = ParamLayout.of(model).n_params
    if dim > n_params:
        raise ValueError(f"subspace dimension d={dim} exceeds the {checkpoint['model']} network's D={n_params}")
    theta_start = checkpoint["theta"].to(device)
    if theta_start.numel() != n_params:
        raise ValueError(
            f"checkpoint for seed {seed}, t0={t0} has {theta_start.numel()} weights, model needs {n_params}"
        )
    load_flat_params(model, theta_start)
    load_buffers(model, checkpoint.get("buffers", {}))
    matrix = make_projection(projection, n_params, dim, seeds["subspace_seed"], device)
    return AffineSubspace(model, theta_start, matrix), seeds


def run_subspaces(
    data: Dataset,
    checkpoints: list[dict[str, Any]],
    dim: int,
    projection: str,
    config: SubspaceConfig,
    run_config: dict[str, Any],
    device: str = "cpu",
    vmap_runs: int = 1,
) -> pd.DataFrame:
    """Train one subspace of dimension `dim` from each checkpoint; one row per run.

    With vmap_runs > 1, groups of that many runs train together under torch.func.vmap (architectures without
    buffers only; others fall back to one at a time); `vmap_runs` in each row records the group size used."""
    rows = []
    data = data.to(device)
    step = max(1, int(vmap_runs))
    for first in range(0, len(checkpoints), step):
        group = checkpoints[first : first + step]
        started = [start_subspace(data, checkpoint, dim, projection, device) for checkpoint in group]
        subspaces = [subspace for subspace, _ in started]
        batch_seeds = [seeds["batch_seed"] for _, seeds in started]
        together = len(group) > 1 and can_vmap(subspaces[0].model)
        if together:
            results = train_subspaces_vmapped(subspaces, data, batch_seeds, config)
        else:
            results = [train_subspace(s, data, b, config) for s, b in zip(subspaces, batch_seeds)]
        for checkpoint, (subspace, seeds), result in zip(group, started, results):
            t0 = int(checkpoint["t0"])
            start = {"train_acc": checkpoint["train_acc"], "test_acc": checkpoint["test_acc"]}
            row = run_row(
                data,
                checkpoint["model"],
                subspace.layout.n_params,
                t0,
                dim,
                int(checkpoint["seed"]),
                seeds,
                subspace.projection,
                start,
                result,
                run_config,
                device,
            )
            method = "random" if t0 == 0 else "burn_in"
            rows.append(row | {"method": method, "vmap_runs": len(group) if together else 1})
        del started, subspaces  # free this group's projections before the next group builds its own
    return pd.DataFrame(rows)


def solution(data: Dataset, start: dict[str, Any], config: SubspaceConfig) -> dict[str, Any]:
    """The fully trained solution theta*: every weight trained from the checkpoint `start` (theta_0, t0 = 0) with the
    subspace runs' Adam and budget; a checkpoint dict like pretrain's (t0 is None, `steps` the Adam steps done)."""
    seed = int(start["seed"])
    model = build_model(start["model"], data.input_shape, data.n_classes, derive_seed("init", seed))
    load_flat_params(model, start["theta"])
    load_buffers(model, start.get("buffers", {}))
    batch_seed = derive_seed("full-space-batches", seed)
    theta, steps = train_full(model, data, batch_seed, config)
    train_loss, train_acc = evaluate(model, data.x_train, data.y_train)
    test_loss, test_acc = evaluate(model, data.x_test, data.y_test)
    return {
        "theta": theta,
        "dataset": data.name,
        "model": start["model"],
        "n_params": theta.numel(),
        "seed": seed,
        "t0": None,
        "start_t0": int(start["t0"]),
        "batch_seed": batch_seed,
        "steps": steps,
        "optimizer": dataclasses.asdict(config),
        "distance_from_start": float(torch.linalg.norm(theta - start["theta"])),
        "buffers": model_buffers(model),
        "train_loss": train_loss,
        "train_acc": train_acc,
        "test_loss": test_loss,
        "test_acc": test_acc,
    }


def resolve_device(requested: str) -> str:
    """'auto' picks CUDA when present, else the CPU; anything else is used as given."""
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return requested
