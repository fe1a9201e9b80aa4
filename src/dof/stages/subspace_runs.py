"""Subspace runs (the subspace stage): for one d, a chunk of burn-in checkpoints, each trained in its own random affine
subspace."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from typing import Any

import pandas as pd

from dof.config import SubspaceConfig
from dof.engine.data import Dataset
from dof.engine.network import restore_network
from dof.engine.projections import DENSE_MEMORY_BUDGET
from dof.engine.seeding import run_seeds
from dof.engine.subspace import SAID, ParamLayout, SubspaceModule
from dof.engine.training import can_vmap, train_subspace, train_subspaces_vmapped
from dof.stages.record import METRICS, run_record

LOG = logging.getLogger("dof")


def start_subspace(
    data: Dataset,
    checkpoint: Mapping[str, Any],
    dim: int,
    projection: str,
    device: str = "cpu",
    nested: bool = True,
    said_base: str = "fastfood",
    dense_memory_mb: int = 512,
) -> tuple[SubspaceModule, dict[str, int]]:
    """The affine subspace of dimension `dim` through a checkpoint's network (weights and BatchNorm statistics), as
    the public wrapper SubspaceModule, with the run's seeds (nested: A_d is the first d columns of the seed's one A;
    SAID: d counts phi and one scale per parameter tensor; a dense A larger than dense_memory_mb is regenerated)."""
    seeds = run_seeds(int(checkpoint["seed"]), dim, nested)
    model = restore_network(checkpoint, data, device)
    dense = projection == "dense" or (projection == SAID and said_base == "dense")
    budget = dense_memory_mb * 2**20
    options = {"memory_budget": budget} if dense and budget != DENSE_MEMORY_BUDGET else {}  # the default: unchanged
    try:
        module = SubspaceModule(model, dim, projection, seeds["subspace_seed"], said_base=said_base, **options)
    except ValueError as error:
        raise ValueError(f"{checkpoint['model']} network, subspace dimension d={dim}: {error}") from error
    return module, seeds


def n_scales_of(data: Dataset, checkpoint: Mapping[str, Any]) -> int:
    """How many scales a SAID subspace through this checkpoint's network counts: its parameter tensors."""
    return len(ParamLayout.of(restore_network(checkpoint, data), trainable_only=True).names)


def method_of(t0: int) -> str:
    """The method of a random subspace run: 'random' through theta_0, 'burn_in' through theta_t0 (t0 > 0)."""
    return "random" if t0 == 0 else "burn_in"


def extra(checkpoint: Mapping[str, Any], vmap_runs: int) -> dict[str, Any]:
    """The columns a random or burn-in subspace run adds to its record: its method and the vmap group size."""
    return {"method": method_of(int(checkpoint["t0"])), "vmap_runs": vmap_runs}


def not_trained(checkpoint: Mapping[str, Any]) -> dict[str, Any]:
    """The outcome of a run whose burn-in diverged: not trained, status 'burn_in_diverged', NaN metrics."""
    nan = float("nan")
    return {
        "status": "burn_in_diverged",
        "steps": 0,
        **dict.fromkeys(METRICS, nan),
        "phi_norm": nan,
        "wall_time_s": 0.0,
    }


def run_subspaces(
    data: Dataset,
    checkpoints: list[dict[str, Any]],
    dim: int,
    config: SubspaceConfig,
    run_config: dict[str, Any],
    device: str = "cpu",
) -> pd.DataFrame:
    """Train one subspace of dimension `dim` (config.projection) from each checkpoint; one record per run.

    With config.vmap_runs > 1, groups of that many runs train together under torch.func.vmap (architectures without
    buffers only; others fall back to one at a time); `vmap_runs` in each row records the group size used. A
    checkpoint whose burn-in diverged gives a 'burn_in_diverged' record and is not trained."""
    rows = []
    data = data.to(device)
    trainable = [c for c in checkpoints if c.get("status", "ok") == "ok"]
    for checkpoint in checkpoints:
        if checkpoint.get("status", "ok") != "ok":
            seeds = run_seeds(int(checkpoint["seed"]), dim, config.nested)
            projection = {"kind": config.projection, "n_params": int(checkpoint["n_params"]), "dim": dim}
            projection["nested"] = config.nested
            if config.projection == SAID:
                projection["n_scales"] = n_scales_of(data, checkpoint)
            outcome, columns = not_trained(checkpoint), extra(checkpoint, 1)
            rows.append(run_record(data, checkpoint, dim, seeds, projection, outcome, run_config, device, **columns))
    step = max(1, int(config.vmap_runs))
    for first in range(0, len(trainable), step):
        group = trainable[first : first + step]
        started = [
            start_subspace(
                data,
                checkpoint,
                dim,
                config.projection,
                device,
                config.nested,
                config.said_base,
                config.dense_memory_mb,
            )
            for checkpoint in group
        ]
        subspaces = [subspace for subspace, _ in started]
        batch_seeds = [seeds["batch_seed"] for _, seeds in started]
        label = f"d={dim} t0={group[0]['t0']} seeds {[int(c['seed']) for c in group]}"
        LOG.info("runs %d-%d of %d start: %s", first + 1, first + len(group), len(trainable), label)
        together = len(group) > 1 and can_vmap(subspaces[0].network)
        if together:
            results = train_subspaces_vmapped(subspaces, data, batch_seeds, config, label=label)
        else:
            results = [
                train_subspace(s, data, b, config, label=f"d={dim} t0={c['t0']} seed {c['seed']}")
                for s, b, c in zip(subspaces, batch_seeds, group)
            ]
        for checkpoint, (subspace, seeds), result in zip(group, started, results):
            outcome = dataclasses.asdict(result)
            projection = {**subspace.describe(), "nested": config.nested}
            columns = extra(checkpoint, len(group) if together else 1)
            rows.append(run_record(data, checkpoint, dim, seeds, projection, outcome, run_config, device, **columns))
            LOG.info(
                "run %d/%d done: seed %s, t0=%s, d=%d, %s, train_acc %.4f, %.1f s",
                len(rows),
                len(checkpoints),
                checkpoint["seed"],
                checkpoint["t0"],
                dim,
                result.status,
                result.train_acc,
                result.wall_time_s,
            )
        del started, subspaces  # free this group's projections before the next group builds its own
    return pd.DataFrame(rows)
