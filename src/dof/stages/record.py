"""The one run-record builder: every stage that trains runs (random, burn-in and lottery subspaces, tickets) writes
its rows through it, so the tables share their columns and provenance."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from dof.config import INIT
from dof.engine.data import Dataset
from dof.engine.provenance import config_hash, provenance

METRICS = ("train_loss", "train_acc", "test_loss", "test_acc")
"""The metric columns of every record, in order."""


def provenance_columns(device: str, run_config: Mapping[str, Any]) -> dict[str, Any]:
    """The provenance columns of a record (package version, git commit, torch version, device) and `config_hash`, the
    hash of the run's settings `run_config` (e.g. as_dict of its config block)."""
    return {**provenance(device), "config_hash": config_hash(dict(run_config))}


def run_record(
    data: Dataset | str,
    start: Mapping[str, Any],
    d: int,
    seeds: Mapping[str, int],
    projection: Mapping[str, Any],
    outcome: Mapping[str, Any],
    run_config: Mapping[str, Any],
    device: str,
    **extra: Any,
) -> dict[str, Any]:
    """One record: the dataset (or its name), the start point (`model`, `n_params`, `seed`, `t0`, its `train_acc` /
    `test_acc` and, for a checkpoint start, `start`, `start_sha256` and `start_reinit`; init otherwise), d, how many
    of d are SAID scales (`n_scales`, 0 for other projections), the recorded seeds, the projection (`kind` and its
    settings), the outcome (status, steps, metrics, phi_norm, wall_time_s), provenance, the hash of the run's settings
    and `extra` columns."""
    return {
        "dataset": data if isinstance(data, str) else data.name,
        "model": start["model"],
        "start": start.get("start") or INIT,
        "n_params": int(start["n_params"]),
        "t0": int(start["t0"]),
        "d": int(d),
        "n_scales": int(projection.get("n_scales", 0)),
        "seed": int(start["seed"]),
        **seeds,
        "projection": projection["kind"],
        "projection_settings": json.dumps(dict(projection), sort_keys=True),
        "start_train_acc": float(start["train_acc"]),
        "start_test_acc": float(start["test_acc"]),
        "start_sha256": start.get("start_sha256"),
        "start_reinit": start.get("start_reinit"),
        **outcome,
        **provenance_columns(device, run_config),
        **extra,
    }
