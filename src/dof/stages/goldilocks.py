"""Goldilocks zone (Fort & Scherlis 2018; Fort & Ganguli 2019): random subspace runs from the initialisation theta_0
scaled by r, and the curvature of the run's random section A^T H A at that start."""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Mapping
from typing import Any

import pandas as pd
import torch

from dof.config import GoldilocksConfig, SubspaceConfig
from dof.engine.data import Dataset
from dof.engine.network import restore_network
from dof.engine.training import evaluate_split
from dof.stages.spectra import hessian_subset
from dof.stages.subspace_runs import run_subspaces, start_subspace
from dof.theory import hessian
from dof.theory.goldilocks import section_curvature, section_hessian

LOG = logging.getLogger("dof")


def scaled_checkpoint(data: Dataset, checkpoint: Mapping[str, Any], init_scale: float) -> dict[str, Any]:
    """The t0 = 0 checkpoint with theta_0 multiplied by r (every weight and bias; BatchNorm statistics untouched),
    its train / test loss and accuracy measured again at r theta_0, and `init_scale` = r."""
    if int(checkpoint["t0"]) != 0:
        raise ValueError(f"a Goldilocks start scales the initialisation (t0 = 0), got t0 = {checkpoint['t0']}")
    scaled = {**checkpoint, "theta": checkpoint["theta"].detach() * float(init_scale), "init_scale": float(init_scale)}
    scaled.update(evaluate_split(restore_network(scaled, data), data))
    return scaled


def section_record(
    data: Dataset,
    start: Mapping[str, Any],
    dim: int,
    subspace: SubspaceConfig,
    settings: GoldilocksConfig,
    device: str = "cpu",
) -> dict[str, Any]:
    """The curvature of the run's own random section at its start: M = A^T H A (A the run's projection, H the
    Hessian of the mean cross-entropy on the Hessian subset at r theta_0) by d Hessian-vector products on `device`
    (SAID: the d - m directions of phi)."""
    begin = time.perf_counter()
    affine, _ = start_subspace(data, start, dim, subspace.projection, device, subspace.nested, subspace.said_base)
    x, y = (t.to(device) for t in hessian_subset(data, int(settings.n_examples), int(settings.subset_seed)))
    theta = affine.theta_start
    matvec = hessian.double_backward_hvp_fn(affine.network, x, y, theta)
    with torch.no_grad():
        # row i = column i of A: phi's directions (SAID's scales move nothing at phi = 0)
        directions = affine.projection(torch.eye(affine.projection.dim, device=theta.device))
        subset_loss = float(hessian.loss_fn(affine.network, x, y)(theta))
    measures = section_curvature(section_hessian(matvec, directions))
    return {
        "seed": int(start["seed"]),
        **measures,
        "start_subset_loss": subset_loss,
        "theta_norm": float(theta.norm()),
        "curvature_examples": int(len(y)),
        "curvature_wall_time_s": time.perf_counter() - begin,
    }


def goldilocks_runs(
    data: Dataset,
    checkpoints: list[dict[str, Any]],
    init_scale: float,
    dim: int,
    subspace: SubspaceConfig,
    settings: GoldilocksConfig,
    run_config: dict[str, Any],
    curvature_seeds: Collection[int] = (),
    device: str = "cpu",
) -> pd.DataFrame:
    """One record per checkpoint (t0 = 0): the subspace run of dimension `dim` from r theta_0 (run_subspaces, the
    subspace block's training and seeds) with `init_scale`, and for the seeds in `curvature_seeds` the curvature of
    its section (section_record; NaN for the others)."""
    starts = [scaled_checkpoint(data, checkpoint, init_scale) for checkpoint in checkpoints]
    runs = run_subspaces(data, starts, dim, subspace, run_config, device)
    runs.insert(runs.columns.get_loc("t0") + 1, "init_scale", float(init_scale))
    sections, measured = [], {int(seed) for seed in curvature_seeds}
    for start in starts:
        if int(start["seed"]) in measured:
            sections.append(section_record(data, start, dim, subspace, settings, device))
            LOG.info(
                "section curvature r=%g d=%d seed %d: tr/||.||_F %.3f, positive %.3f, %.1f s",
                init_scale,
                dim,
                start["seed"],
                sections[-1]["trace_over_frobenius"],
                sections[-1]["positive_fraction"],
                sections[-1]["curvature_wall_time_s"],
            )
    if not sections:
        return runs.assign(**dict.fromkeys(SECTION_COLUMNS, float("nan")))
    return runs.merge(pd.DataFrame(sections), on="seed", how="left", validate="one_to_one")


SECTION_COLUMNS = (
    "section_trace",
    "section_frobenius",
    "trace_over_frobenius",
    "positive_fraction",
    "section_lambda_max",
    "section_lambda_min",
    "start_subset_loss",
    "theta_norm",
    "curvature_examples",
    "curvature_wall_time_s",
)
"""The columns section_record adds to a run (NaN for runs without a measured section)."""
