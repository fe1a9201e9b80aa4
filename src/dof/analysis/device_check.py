"""Two runs of one grid on two devices compared table by table: the same rows and statuses, and how far their
numbers lie apart (a CUDA run draws its own A and batches through CUDA's generators, so only its rows are equal)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

KEYS = {
    "runs.parquet": ("dataset", "model", "start", "t0", "d", "seed"),
    "success.parquet": ("dataset", "model", "start", "method", "t0", "d", "metric", "epsilon"),
    "thresholds.parquet": ("dataset", "model", "start", "method", "t0", "metric", "epsilon"),
}
"""The row keys of the compared tables."""

VALUES = {
    "runs.parquet": ("train_acc", "test_acc", "train_loss", "test_loss"),
    "success.parquet": ("p_success",),
    "thresholds.parquet": ("d_star",),
}
"""The numbers compared in each table."""


def table_differences(left: pd.DataFrame, right: pd.DataFrame, keys: Sequence[str], values: Sequence[str]) -> dict:
    """Rows only in one table, status mismatches, and the max and median |left - right| of each value column over
    the rows both hold (NaN in both counts as equal)."""
    keys = [k for k in keys if k in left.columns and k in right.columns]
    both = left.merge(right, on=keys, how="outer", suffixes=("_left", "_right"), indicator=True)
    out = {"rows": len(both), "only_one": int((both["_merge"] != "both").sum())}
    matched = both[both["_merge"] == "both"]
    if "status_left" in matched.columns:
        out["status_mismatches"] = int((matched["status_left"] != matched["status_right"]).sum())
    for value in values:
        if f"{value}_left" not in matched.columns:
            continue
        a, b = (matched[f"{value}_{side}"].astype(float).to_numpy() for side in ("left", "right"))
        delta = np.where(np.isnan(a) & np.isnan(b), 0.0, np.abs(a - b))
        out[f"{value}_max"] = float(np.nanmax(delta)) if len(delta) else 0.0
        out[f"{value}_median"] = float(np.nanmedian(delta)) if len(delta) else 0.0
    return out


def compare_results(left: str, right: str, tables: Sequence[str] = tuple(KEYS)) -> pd.DataFrame:
    """table_differences of every table in `tables` between two results folders; one row per table."""
    rows = []
    for name in tables:
        a, b = pd.read_parquet(f"{left}/{name}"), pd.read_parquet(f"{right}/{name}")
        rows.append({"table": name, **table_differences(a, b, KEYS[name], VALUES[name])})
    return pd.DataFrame(rows)
