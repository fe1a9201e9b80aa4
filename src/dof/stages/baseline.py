"""The full-model baseline theta*: every weight trained from theta_0 in the full space.

It is the reference the other stages read: d_int90 and figure 2's dashed line (thresholds), the full model of
figure 7 (lottery), and the solution around which the theory stage measures Hessian spectra and predicts d*. It has
its own optimiser (baseline block: Adam with a learning rate for full-space training, to convergence), and a status:
a baseline that diverged or did not train (accuracy within a margin of chance) is no reference for anything."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import torch

from dof.config import INIT, BaselineConfig
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
    "n_classes",
    "loop_status",
    "optimizer",
)
"""The keys each trained baseline checkpoint holds for the baseline table."""

OPTIMIZER_KEYS = ("lr", "beta1", "beta2", "eps", "batch_size", "epochs")
"""The baseline block's optimiser settings, recorded in the checkpoint and as columns of the baseline table."""

BASELINE_STATUS = ("ok", "diverged", "not_trained")
"""baseline.parquet `status`: trained; a non-finite loss (during or after training); an accuracy within
chance_margin of chance, or a train loss no lower than chance's ln(n_classes). Only 'ok' baselines are references
(d_int90, the full-model lines of figures 2 and 7)."""


def baseline_status(
    metrics: Mapping[str, float], loop_status: str, n_classes: int, chance_margin: float
) -> tuple[str, str]:
    """(status, reason) of a trained baseline: 'diverged' after a non-finite loss, 'not_trained' when its train or
    test accuracy is below chance (1 / n_classes) + chance_margin or its train loss is no lower than the uniform
    prediction's ln(n_classes) (e.g. weights blown up by a huge learning rate), else ('ok', '')."""
    if loop_status != "ok":
        return "diverged", "a non-finite training loss stopped the full-space training"
    bad = [key for key in ("train_loss", "test_loss") if not math.isfinite(float(metrics[key]))]
    if bad:
        return "diverged", f"final {' and '.join(bad)} not finite"
    chance = 1.0 / n_classes
    low = [
        f"{key.removesuffix('_acc')} accuracy {float(metrics[key]):.3f}"
        for key in ("train_acc", "test_acc")
        if not float(metrics[key]) >= chance + chance_margin
    ]
    if low:
        return "not_trained", f"{' and '.join(low)} within {chance_margin:g} of chance ({chance:.3g})"
    loss, chance_loss = float(metrics["train_loss"]), math.log(n_classes)
    if loss >= chance_loss:
        return "not_trained", f"train loss {loss:.4g} no lower than chance's ln({n_classes}) = {chance_loss:.3f}"
    return "ok", ""


def train_baseline(data: Dataset, start: Mapping[str, Any], config: BaselineConfig) -> dict[str, Any]:
    """theta*: every weight trained from the theta_0 checkpoint `start` (the seeded initialisation, or a checkpoint
    start's weights: full fine-tuning from it) with the baseline's Adam for config.epochs epochs; a checkpoint dict
    like the burn-in's (t0 is None, `steps` the Adam steps done, fewer after a non-finite loss, `loop_status` how the
    loop ended)."""
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
        "model_spec": start.get("model_spec"),
        "start": start.get("start") or INIT,
        "start_sha256": start.get("start_sha256"),
        "start_reinit": start.get("start_reinit"),
        "n_params": theta.numel(),
        "seed": seed,
        "t0": None,
        "start_t0": int(start["t0"]),
        "batch_seed": batch_seed,
        "steps": loop.steps,
        "loop_status": loop.status,
        "n_classes": data.n_classes,
        "optimizer": {"name": "adam", **{key: getattr(config, key) for key in OPTIMIZER_KEYS}},
        "distance_from_start": float(torch.linalg.norm(theta - start["theta"])),
        "buffers": model_buffers(model),
        **evaluate_split(model, data),
    }


def baseline_table(
    baselines: Sequence[Mapping[str, Any]], chance_margin: float = BaselineConfig.chance_margin
) -> pd.DataFrame:
    """The full-model baseline, one row per start and seed, from the trained baseline checkpoints: metrics, the
    optimiser's settings, and status / status_reason from `baseline_status`."""
    rows = []
    for baseline in baselines:
        row = {key: baseline[key] for key in BASELINE_COLUMNS if key not in ("loop_status", "optimizer")}
        row["start"] = baseline.get("start") or INIT  # the start it was fine-tuned from (older files: init)
        optimizer = baseline["optimizer"]
        row.update({"optimizer": optimizer["name"], **{key: optimizer[key] for key in OPTIMIZER_KEYS}})
        status, reason = baseline_status(row, baseline["loop_status"], int(row["n_classes"]), chance_margin)
        row.update(status=status, status_reason=reason, chance_margin=chance_margin)
        rows.append(row)
    return pd.DataFrame(rows).sort_values(["dataset", "model", "start", "seed"], kind="stable").reset_index(drop=True)
