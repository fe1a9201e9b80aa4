"""The one run-record builder: every stage that trains runs (random, burn-in and lottery subspaces, tickets) writes
its rows through it, so the tables share their columns and provenance."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from dof.engine.data import Dataset
from dof.engine.provenance import config_hash, provenance

METRICS = ("train_loss", "train_acc", "test_loss", "test_acc")
"""The metric columns of every record, in order."""


def run_record(
    data: Dataset,
    model: str,
    n_params: int,
    t0: int,
    d: int,
    seed: int,
    seeds: Mapping[str, int],
    projection: Mapping[str, Any],
    start: Mapping[str, float],
    outcome: Mapping[str, Any],
    run_config: Mapping[str, Any],
    device: str,
    **extra: Any,
) -> dict[str, Any]:
    """One record: grid point, recorded seeds, projection (`kind` and its settings), the start's accuracies, the
    outcome (status, steps, metrics, phi_norm, wall_time_s), provenance, the hash of the run's settings, `extra`."""
    return {
        "dataset": data.name,
        "model": model,
        "n_params": int(n_params),
        "t0": int(t0),
        "d": int(d),
        "seed": int(seed),
        **seeds,
        "projection": projection["kind"],
        "projection_settings": json.dumps(dict(projection), sort_keys=True),
        "start_train_acc": float(start["train_acc"]),
        "start_test_acc": float(start["test_acc"]),
        **outcome,
        **provenance(device),
        "config_hash": config_hash(dict(run_config)),
        **extra,
    }
