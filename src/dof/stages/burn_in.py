"""Burn-in: the checkpoint theta_t0 of one seed after t0 full-space SGD steps from its initialisation theta_0."""

from __future__ import annotations

from typing import Any

from dof.config import BurnInConfig, as_dict, hyperparameters
from dof.engine.data import Dataset
from dof.engine.models import build_model
from dof.engine.seeding import run_seeds
from dof.engine.subspace import model_buffers
from dof.engine.training import burn_in, evaluate_split


def burn_in_checkpoint(data: Dataset, model_name: str, seed: int, t0: int, config: BurnInConfig) -> dict[str, Any]:
    """The burn-in checkpoint: theta_t0, its BatchNorm statistics, accuracies and `status` ('diverged' when a loss
    turned non-finite: theta is then the last finite point, and no subspace run trains from it)."""
    seeds = run_seeds(seed, 0)
    model = build_model(model_name, data.input_shape, data.n_classes, seeds["init_seed"])
    theta, loop = burn_in(model, data, t0, seeds["burn_in_batch_seed"], config, label=f"seed {seed} burn-in t0={t0}")
    model.eval()
    return {
        "theta": theta,
        "dataset": data.name,
        "model": model_name,
        "n_params": theta.numel(),
        "seed": seed,
        "init_seed": seeds["init_seed"],
        "burn_in_batch_seed": seeds["burn_in_batch_seed"],
        "t0": t0,
        "burn_in": hyperparameters(BurnInConfig, as_dict(config)),
        "status": loop.status,
        "burn_in_steps": loop.steps,
        "buffers": model_buffers(model),
        **evaluate_split(model, data),
    }
