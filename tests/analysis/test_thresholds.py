import numpy as np
import pandas as pd
import pytest

from dof.analysis import records, thresholds


def synthetic_runs(step_at: dict[int, int], dims=(1, 2, 4, 8, 16), n_seeds=10) -> pd.DataFrame:
    """Runs whose train accuracy is 0.9 at d >= step_at[t0] and 0.1 below; one diverged run at the top d."""
    rows = []
    for t0, step in step_at.items():
        for d in dims:
            for seed in range(n_seeds):
                acc = 0.9 if d >= step else 0.1
                rows.append(
                    {
                        "dataset": "x",
                        "model": "m",
                        "n_params": 100,
                        "t0": t0,
                        "d": d,
                        "seed": seed,
                        "status": "ok",
                        "train_acc": acc,
                        "test_acc": acc - 0.05,
                    }
                )
    runs = pd.DataFrame(rows)
    last = runs.index[(runs["d"] == max(dims)) & (runs["seed"] == 0)]
    runs.loc[last, "status"] = "diverged"
    return runs


def test_success_counts_and_diverged_is_failure():
    success = thresholds.success_table(synthetic_runs({0: 4}), [0.5, 0.95], ["train_acc"])
    top = success[(success["d"] == 16) & (success["epsilon"] == 0.5)].iloc[0]
    assert (top["n_runs"], top["n_success"], top["p_success"]) == (10, 9, 0.9)
    assert success[success["epsilon"] == 0.95]["n_success"].sum() == 0
    assert set(success.columns) >= {
        "dataset",
        "model",
        "t0",
        "d",
        "metric",
        "epsilon",
        "n_runs",
        "n_success",
        "p_success",
    }


def test_d_star_is_first_d_reaching_one_minus_delta_and_null_when_never():
    success = thresholds.success_table(synthetic_runs({0: 8, 4: 2}), [0.5, 0.95], ["train_acc", "test_acc"])
    table = thresholds.threshold_table(success, delta=0.1, n_bootstrap=200)
    get = table.set_index(["t0", "metric", "epsilon"])
    assert get.loc[(0, "train_acc", 0.5), "d_star"] == 8
    assert get.loc[(4, "train_acc", 0.5), "d_star"] == 2
    assert pd.isna(get.loc[(0, "train_acc", 0.95), "d_star"])
    row = get.loc[(0, "train_acc", 0.5)]
    assert row["d_star_lo"] <= row["d_star"] <= row["d_star_hi"]
    assert row["d_star_fraction"] == pytest.approx(0.08)


def test_bootstrap_widens_with_noise_and_is_seeded():
    rng = np.random.default_rng(1)
    runs = synthetic_runs({0: 4}, n_seeds=8)
    runs["train_acc"] = np.where(rng.random(len(runs)) < 0.3, 0.1, runs["train_acc"])
    success = thresholds.success_table(runs, [0.5], ["train_acc"])
    a = thresholds.threshold_table(success, delta=0.5, n_bootstrap=500, seed=3)
    b = thresholds.threshold_table(success, delta=0.5, n_bootstrap=500, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert (a["d_star_lo"] <= a["d_star"]).all()


def test_first_crossing_vectorised():
    dims = np.array([1, 2, 4])
    p = np.array([[0.0, 0.95, 1.0], [0.0, 0.5, 0.8]])
    out = thresholds.first_crossing(dims, p, 0.9)
    assert out[0] == 2 and np.isnan(out[1])


def test_aggregation_refuses_duplicates_and_missing_runs():
    runs = synthetic_runs({0: 4}, dims=(1, 2), n_seeds=2)
    runs = runs.assign(**{column: 0 for column in records.RUN_COLUMNS if column not in runs.columns})
    grid = records.expected_grid({"dataset": ["x"], "model": ["m"], "t0": [0], "d": [1, 2], "seed": [0, 1]})
    assert len(records.aggregate([runs], grid)) == 4
    with pytest.raises(ValueError, match="lack the columns.*config_hash"):
        records.aggregate([runs.drop(columns="config_hash")], grid)
    with pytest.raises(ValueError, match="more than once"):
        records.aggregate([runs, runs.iloc[:1]], grid)
    with pytest.raises(ValueError, match="no record"):
        records.aggregate([runs.iloc[1:]], grid)
