"""The full-model baseline theta*: every weight trained from theta_0 in the full space.

It is the reference the other stages read: d_int90 and figure 2's dashed line (thresholds), the full model of
figure 7 (lottery), and the solution around which the theory stage measures Hessian spectra and predicts d*."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import torch

from dof.config import SubspaceConfig, as_dict
from dof.engine.data import Dataset
from dof.engine.network import restore_network
from dof.engine.seeding import derive_seed
from dof.engine.subspace import flatten_params, model_buffers
from dof.engine.training import adam, evaluate_split, full_space_loop, subspace_steps

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
"""The baseline table's columns, read from each trained baseline checkpoint."""


def train_baseline(data: Dataset, start: Mapping[str, Any], config: SubspaceConfig) -> dict[str, Any]:
    """theta*: every weight trained from the theta_0 checkpoint `start` with Adam for config.epochs epochs; a
    checkpoint dict like the burn-in's (t0 is None, `steps` the Adam steps done, fewer after a non-finite loss)."""
    seed = int(start["seed"])
    model = restore_network(start, data)
    batch_seed = derive_seed("full-space-batches", seed)
    n_steps = subspace_steps(len(data.y_train), config)
    optimizer = adam(list(model.parameters()), config)
    loop = full_space_loop(model, data, optimizer, n_steps, config.batch_size, batch_seed, f"seed {seed} baseline")
    model.eval()
    theta = flatten_params(model)
    return {
        "theta": theta,
        "dataset": data.name,
        "model": start["model"],
        "n_params": theta.numel(),
        "seed": seed,
        "t0": None,
        "start_t0": int(start["t0"]),
        "batch_seed": batch_seed,
        "steps": loop.steps,
        "loop_status": loop.status,
        "optimizer": as_dict(config),
        "distance_from_start": float(torch.linalg.norm(theta - start["theta"])),
        "buffers": model_buffers(model),
        **evaluate_split(model, data),
    }


def baseline_table(baselines: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The full-model baseline, one row per seed, from the trained baseline checkpoints; status is 'diverged' when
    a final loss is not finite."""
    rows = []
    for baseline in baselines:
        row = {key: baseline[key] for key in BASELINE_COLUMNS}
        finite = all(math.isfinite(float(row[k])) for k in ("train_loss", "test_loss"))
        row["status"] = "ok" if finite else "diverged"
        rows.append(row)
    return pd.DataFrame(rows).sort_values(["dataset", "model", "seed"], kind="stable").reset_index(drop=True)
