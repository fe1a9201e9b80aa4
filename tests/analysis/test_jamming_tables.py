"""Jamming tables: N*(P) and c0 through thresholds.py's machinery, ensembles of the seeds' outputs."""

import numpy as np
import pandas as pd
import pytest

from dof.analysis import jamming


def synthetic_runs(c0: float = 0.5, seeds: int = 40) -> pd.DataFrame:
    """Runs fitted with a logistic probability in log2(N / (c0 P)) (width 1.5 octaves), for three P."""
    rng = np.random.default_rng(0)
    rows = []
    for n_train in (100, 200, 400):
        for width, n_params in enumerate(np.geomspace(0.1, 4, 9) * n_train):
            p = 1 / (1 + np.exp(-np.log2(n_params / (c0 * n_train)) * 3))
            for seed in range(seeds):
                fitted = rng.random() < p
                rows.append(
                    {
                        "dataset": "toy",
                        "depth": 1,
                        "n_train": n_train,
                        "width": width,
                        "seed": seed,
                        "n_params": int(round(n_params)),
                        "status": "fitted" if fitted else "stuck",
                        "n_delta": 0 if fitted else 5,
                        "test_error": 0.2,
                    }
                )
    return pd.DataFrame(rows)


def test_thresholds_and_c0_recover_the_transition():
    runs = synthetic_runs()
    success = jamming.success(runs)
    assert set(success.columns) >= {"dataset", "depth", "n_train", "n_params", "n_runs", "p_success", "p_success_lo"}
    table = jamming.thresholds(runs, delta=0.1, n_bootstrap=200)
    half = table[np.isclose(table["level"], 0.5)]
    assert half["fit_status"].eq("ok").all()
    for row in half.itertuples():
        assert row.n_star_fit_lo <= 0.5 * row.n_train <= row.n_star_fit_hi
        assert row.censoring == "measured"
    c0 = jamming.c0_table(runs, delta=0.1)
    row = c0[np.isclose(c0["level"], 0.5)].iloc[0]
    assert row["fit_status"] == "ok" and row["c0_lo"] <= 0.5 <= row["c0_hi"]
    assert row["c0"] == pytest.approx(0.5, rel=0.15)
    stars = jamming.n_star_50(table)
    assert stars["n_star_source"].eq("fit").all()


def test_ensemble_error_and_variance_by_hand():
    key = {"dataset": "mnist5k", "depth": 1, "n_train": 10, "width": 2}
    runs = pd.DataFrame(
        [
            {**key, "seed": s, "n_params": 25, "status": st, "test_error": e}
            for s, st, e in [(0, "fitted", 1 / 3), (1, "stuck", 1 / 3), (2, "diverged", np.nan)]
        ]
    )
    margins = pd.DataFrame(
        [
            {**key, "seed": 0, "test_margin": np.array([1.0, -0.5, 2.0], dtype=np.float32)},
            {**key, "seed": 1, "test_margin": np.array([-0.2, 1.0, 2.0], dtype=np.float32)},
            {**key, "seed": 2, "test_margin": np.array([np.nan, np.nan, np.nan], dtype=np.float32)},
        ]
    )
    table = jamming.ensembles(margins, runs)
    row = table.iloc[0]
    assert row["n_members"] == 2 and row["n_runs"] == 3
    assert row["ensemble_test_error"] == 0.0  # f_bar margins 0.4, 0.25, 2.0
    assert row["mean_test_error"] == pytest.approx(1 / 3)
    assert row["output_variance"] == pytest.approx(np.mean([0.72, 1.125, 0.0]), rel=1e-6)
