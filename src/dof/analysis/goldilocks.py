"""Tables of the Goldilocks stage: P_s against the init scale r beside the curvature of the random section A^T H A."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from dof.analysis import records, thresholds
from dof.tables import GOLDILOCKS_RUN_KEY

CURVATURE_MEASURES = ("trace_over_frobenius", "positive_fraction", "section_trace", "section_frobenius")
"""Section measures summarised per (r, d) in goldilocks_curvature.parquet (mean, std, n)."""


def aggregate_goldilocks(chunks: Sequence[pd.DataFrame], expected: pd.DataFrame) -> pd.DataFrame:
    """The chunk tables as goldilocks_runs.parquet, checked against the configured grid and sorted by the run key."""
    return records.aggregate(chunks, expected, key=GOLDILOCKS_RUN_KEY)


def goldilocks_success(
    runs: pd.DataFrame, epsilons: Sequence[float], metrics: Sequence[str], confidence: float = 0.95
) -> pd.DataFrame:
    """thresholds.success_table of each init scale's runs (d = 0: the scaled start itself), with `init_scale`."""
    group = [*thresholds.GROUP, "init_scale"]
    table = thresholds.success_table(runs, list(epsilons), list(metrics), confidence, group)
    table["init_scale"] = table["init_scale"].astype(float)
    columns = ["init_scale", *[c for c in table.columns if c != "init_scale"]]
    return table[columns].sort_values([*thresholds.GROUP, "init_scale", "d", "metric", "epsilon"], ignore_index=True)


def goldilocks_curvature(runs: pd.DataFrame) -> pd.DataFrame:
    """Per (dataset, model, init_scale, d): the median final train / test accuracy and mean start accuracy over every
    run, and the mean, standard deviation and count of the section measures over the seeds with a measured section."""
    keys = ["dataset", "model", "n_params", "init_scale", "d"]
    accuracy = runs.groupby(keys, sort=True).agg(
        n_runs=("seed", "size"),
        train_acc_median=("train_acc", "median"),
        test_acc_median=("test_acc", "median"),
        start_train_acc=("start_train_acc", "mean"),
    )
    measured = runs.dropna(subset=["trace_over_frobenius"])
    sections = measured.groupby(keys, sort=True).agg(
        **{f"{m}_{stat}": (m, stat) for m in CURVATURE_MEASURES for stat in ("mean", "std")},
        n_sections=("trace_over_frobenius", "size"),
        start_subset_loss=("start_subset_loss", "mean"),
        theta_norm=("theta_norm", "mean"),
    )
    table = accuracy.join(sections, how="left").reset_index()
    table["n_sections"] = table["n_sections"].fillna(0).astype(int)
    return table


def goldilocks_peaks(success: pd.DataFrame) -> pd.DataFrame:
    """Per (dataset, model, metric, epsilon, d > 0): the r of the largest P_s and the band of r with P_s at least half
    that peak (`band_lo`, `band_hi`), with `interior`: the peak stands above both ends of the r grid."""
    keys = ["dataset", "model", "metric", "epsilon", "d"]
    rows = []
    for key, cell in success[success["d"] > 0].groupby(keys, sort=True):
        cell = cell.sort_values("init_scale")
        p, r = cell["p_success"].to_numpy(), cell["init_scale"].to_numpy()
        best = int(np.argmax(p))
        band = r[p >= 0.5 * p[best]] if p[best] > 0 else r[:0]
        rows.append(
            {
                **dict(zip(keys, key)),
                "peak_scale": float(r[best]),
                "peak_p_success": float(p[best]),
                "band_lo": float(band.min()) if band.size else float("nan"),
                "band_hi": float(band.max()) if band.size else float("nan"),
                "p_success_small": float(p[0]),
                "p_success_large": float(p[-1]),
                "interior": bool(p[best] > p[0] and p[best] > p[-1]),
            }
        )
    return pd.DataFrame(rows)
