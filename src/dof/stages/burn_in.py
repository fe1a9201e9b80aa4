"""Burn-in: the checkpoint theta_t0 of one seed after t0 full-space SGD steps from its start, the seeded
initialisation theta_0 or a checkpoint's weights."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch

from dof.config import INIT, BurnInConfig, as_dict, hyperparameters
from dof.engine.data import Dataset
from dof.engine.models import ModelSpec, build_model, model_name
from dof.engine.plugins import load_start, reinit_keys
from dof.engine.seeding import run_seeds
from dof.engine.subspace import model_buffers
from dof.engine.training import burn_in, evaluate_split


@dataclass(frozen=True)
class StartPoint:
    """A checkpoint start: its name, its state_dict (weights and buffers), the SHA-256 of its file and the fnmatch
    patterns of the tensors re-drawn from the run's seeded initialisation (`reinit`, e.g. a new head)."""

    name: str
    state: Mapping[str, torch.Tensor]
    sha256: str
    reinit: tuple[str, ...] = ()


def start_fields(model: ModelSpec, start: StartPoint | None, reinit: tuple[str, ...] = ()) -> dict[str, Any]:
    """The checkpoint keys that name the network and its start: `model` (its name), `model_spec` (a plug-in's spec,
    which restore_network rebuilds it from), `start` (init or the checkpoint's name), `start_sha256` and
    `start_reinit` (the keys re-drawn from theta_0, comma-separated; None when none is)."""
    return {
        "model": model_name(model),
        "model_spec": None if isinstance(model, str) else dict(model),
        "start": INIT if start is None else start.name,
        "start_sha256": None if start is None else start.sha256,
        "start_reinit": ",".join(reinit) or None,
    }


def burn_in_checkpoint(
    data: Dataset, model: ModelSpec, seed: int, t0: int, config: BurnInConfig, start: StartPoint | None = None
) -> dict[str, Any]:
    """The burn-in checkpoint: theta_t0 after t0 steps from the seed's theta_0 or from `start`'s weights (and
    buffers; its `reinit` tensors stay theta_0's), its BatchNorm statistics, accuracies and `status` ('diverged' when
    a loss turned non-finite: theta is then the last finite point, and no subspace run trains from it)."""
    seeds = run_seeds(seed, 0)
    network = build_model(model, data.input_shape, data.n_classes, seeds["init_seed"])
    reinit: tuple[str, ...] = ()
    if start is not None:
        where = f"start {start.name!r}"
        reinit = reinit_keys(network.state_dict(), start.reinit, where)
        load_start(network, start.state, where, reinit)
    label = f"seed {seed} burn-in t0={t0}"
    theta, loop = burn_in(network, data, t0, seeds["burn_in_batch_seed"], config, label=label)
    network.eval()
    return {
        "theta": theta,
        "dataset": data.name,
        **start_fields(model, start, reinit),
        "n_params": theta.numel(),
        "seed": seed,
        "init_seed": seeds["init_seed"],
        "burn_in_batch_seed": seeds["burn_in_batch_seed"],
        "t0": t0,
        "burn_in": hyperparameters(BurnInConfig, as_dict(config)),
        "status": loop.status,
        "burn_in_steps": loop.steps,
        "buffers": model_buffers(network),
        **evaluate_split(network, data),
    }
