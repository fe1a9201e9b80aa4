"""The one way to rebuild a network from a checkpoint: architecture, weights theta and BatchNorm statistics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from dof.engine.data import Dataset
from dof.engine.models import build_model
from dof.engine.seeding import init_seed
from dof.engine.subspace import ParamLayout, load_buffers, load_flat_params

CHECKPOINT_KEYS = ("theta", "dataset", "model", "seed", "t0", "n_params")
"""Keys every burn-in checkpoint holds (the baseline's and the trajectory's hold more)."""


def restore_network(
    checkpoint: Mapping[str, Any], data: Dataset, device: str | torch.device = "cpu", theta_key: str = "theta"
) -> nn.Module:
    """The checkpoint's network (`model`, or a plug-in's `model_spec`, and `seed`) on `device` with its weights
    `theta_key` and its BatchNorm statistics (`buffers`, when saved) loaded, in eval mode; a weight count that does
    not fit is an error."""
    seed = int(checkpoint["seed"])
    spec = checkpoint.get("model_spec") or checkpoint["model"]
    model = build_model(spec, data.input_shape, data.n_classes, init_seed(seed)).to(device)
    theta = checkpoint[theta_key]
    n_params = ParamLayout.of(model).n_params
    if theta.numel() != n_params:
        where = f"seed {seed}" + (f", t0={checkpoint['t0']}" if checkpoint.get("t0") is not None else "")
        raise ValueError(
            f"checkpoint for {where} has {theta.numel()} weights, model {checkpoint['model']} needs {n_params}"
        )
    load_flat_params(model, theta.to(device))
    load_buffers(model, checkpoint.get("buffers") or {})
    return model.eval()
