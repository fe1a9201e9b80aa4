"""Jamming tables: N*(P) and c0 through thresholds.py's machinery, ensembles of the seeds' outputs."""

import numpy as np
import pandas as pd
import pytest

from dof.analysis import jamming, records
from dof.stages import jamming_subspace
from dof.tables import JAMMING_SUBSPACE_RUN_KEY


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


def synthetic_subspace_runs(ratio: float = 0.25, seeds: int = 40) -> pd.DataFrame:
    """Subspace runs of one wide network fitted with a logistic probability in log2(d / (ratio P)), for three P."""
    runs = synthetic_runs(c0=ratio, seeds=seeds)
    return pd.DataFrame(
        {
            "dataset": runs["dataset"],
            "model": "fc_L1_h128",
            "n_params": 1537,
            "n_train": runs["n_train"],
            "d": runs["n_params"],
            "seed": runs["seed"],
            "status": runs["status"].where(runs["seed"].ne(0), "diverged"),  # a diverged run is a failure
        }
    )


def test_subspace_thresholds_recover_d_star_and_stand_beside_n_star():
    sub = synthetic_subspace_runs()
    success = jamming.subspace_success(sub)
    assert {"network", "n_train", "d", "n_runs", "p_success", "p_success_lo", "n_wide"} <= set(success.columns)
    assert success["n_wide"].eq(1537).all() and success["n_runs"].eq(40).all()
    d_table = jamming.subspace_thresholds(sub, delta=0.1, n_bootstrap=200)
    half = d_table[np.isclose(d_table["level"], 0.5)]
    assert half["fit_status"].eq("ok").all() and len(half) == 3
    for row in half.itertuples():
        assert row.d_star_fit_lo <= 0.25 * row.n_train <= row.d_star_fit_hi
    n_table = jamming.thresholds(synthetic_runs(), delta=0.1, n_bootstrap=200)
    both = jamming.two_ways(n_table, d_table)
    assert list(both.columns) == jamming.TWO_WAYS
    assert sorted(both["quantity"].unique()) == ["N* L=1", "d* fc_L1_h128"]
    assert both["source"].eq("fit").all() and both.groupby("quantity")["n_train"].apply(list).map(len).eq(3).all()
    d_star = both[both["quantity"].str.startswith("d*")].set_index("n_train")["estimate"]
    n_star = both[both["quantity"].str.startswith("N*")].set_index("n_train")["estimate"]
    assert (d_star < n_star).all()  # ratio 0.25 against c0 = 0.5


def test_two_ways_keeps_censored_grid_values():
    sub = synthetic_subspace_runs()
    never = sub.assign(status="stuck")  # no d of the grid fits: d* above the grid
    both = jamming.two_ways(jamming.thresholds(synthetic_runs(), 0.1, 50), jamming.subspace_thresholds(never, 0.1, 50))
    censored = both[both["quantity"].str.startswith("d*")]
    assert censored["censoring"].eq("above_grid").all() and censored["estimate"].isna().all()
    assert censored["source"].eq("grid").all() and (censored["grid_max"] > censored["grid_min"]).all()


def test_the_wide_networks_size_is_taken_per_dataset():
    """fc_L1_h128 is one name on every dataset, but N_wide depends on the input size: each dataset keeps its own."""
    toy = synthetic_subspace_runs(seeds=4)
    other = toy.assign(dataset="gaussian", n_params=1409)
    sub = pd.concat([toy, other], ignore_index=True)
    for table in (jamming.subspace_success(sub), jamming.subspace_thresholds(sub, delta=0.1, n_bootstrap=20)):
        wide = table.groupby("dataset")["n_wide"].unique().map(list).to_dict()
        assert wide == {"gaussian": [1409], "toy": [1537]}
        assert len(table) == 2 * len(table[table["dataset"].eq("toy")])  # no rows multiplied by the merge


def test_subspace_chunks_are_aggregated_by_their_own_key():
    """records.aggregate with the subspace runs' key and columns: sorted by (dataset, P, d, seed), a missing run or a
    missing column refused."""
    sub = synthetic_subspace_runs(seeds=2)
    sub = sub.assign(**{c: 0 for c in jamming_subspace.RUN_COLUMNS if c not in sub.columns})
    key = list(JAMMING_SUBSPACE_RUN_KEY)
    expected = sub[key].drop_duplicates()
    chunks = [sub.iloc[1::2], sub.iloc[::2]]
    runs = records.aggregate(chunks, expected, key, jamming_subspace.RUN_COLUMNS)
    assert runs[key].equals(runs[key].sort_values(key))
    with pytest.raises(ValueError, match="1 runs of the grid have no record"):
        records.aggregate([sub.iloc[1:]], expected, key, jamming_subspace.RUN_COLUMNS)
    with pytest.raises(ValueError, match="subspace_seed"):
        records.aggregate([sub.drop(columns="subspace_seed")], expected, key, jamming_subspace.RUN_COLUMNS)


def test_budget_runs_are_censored_not_counted_as_failures():
    runs = synthetic_runs(seeds=10)
    undecided = runs["status"].eq("stuck") & runs["seed"].lt(3)
    runs.loc[undecided, "status"] = "budget"
    success = jamming.success(runs)
    assert success["n_undecided"].sum() == undecided.sum()
    assert success["n_runs"].add(success["n_undecided"]).eq(10).all()
    decided = runs[~undecided].groupby(["n_train", "n_params"])["status"].apply(lambda s: s.eq("fitted").mean())
    assert np.allclose(success.set_index(["n_train", "n_params"])["p_success"], decided)
    table = jamming.thresholds(runs, delta=0.1, n_bootstrap=50)
    per_p = runs.assign(u=undecided).groupby("n_train")["u"].sum()
    assert table.set_index("n_train")["n_undecided"].groupby(level=0).first().eq(per_p).all()
    summary = jamming.run_summary(runs)
    assert summary["n_undecided"].sum() == undecided.sum()
    assert np.allclose(summary["p_fitted"], decided.to_numpy())
    every = runs.assign(status=np.where(runs["n_params"].eq(runs["n_params"].max()), "budget", runs["status"]))
    cell = jamming.success(every).query("n_params == n_params.max()")  # undecided only: shown, not counted
    assert cell["n_runs"].eq(0).all() and cell["p_success"].isna().all() and cell["n_undecided"].eq(10).all()


ISSUE_25_TABLE = {  # fraction of 3 seeds fitted at N = 169 ... 2,929, depth 2, lr 0.1, plateaus of 500 steps
    200: [1, 1, 1, 1, 0, 2 / 3, 1 / 3],
    400: [0, 1, 2 / 3, 2 / 3, 1 / 3, 1 / 3, 0],
    800: [0, 2 / 3, 2 / 3, 2 / 3, 0, 1 / 3, 0],
    1600: [0, 0, 0, 1 / 3, 0, 2 / 3, 0],
}


def test_monotonicity_rejects_issue_25s_table_and_accepts_a_transition():
    grid = [169, 301, 465, 889, 1441, 2121, 2929]
    rows = [
        {"dataset": "mnist5k", "depth": 2, "n_train": p, "n_params": n, "n_runs": 3, "n_success": round(f * 3)}
        for p, fractions in ISSUE_25_TABLE.items()
        for n, f in zip(grid, fractions)
    ]
    check = jamming.monotonicity(pd.DataFrame(rows)).set_index("n_train")
    assert not check.loc[200, "monotone"] and check.loc[200, "split_n"] == 1441
    assert check.loc[200, "p_below"] == 1.0 and check.loc[200, "p_adjusted"] < 0.05
    assert jamming.monotonicity(jamming.success(synthetic_runs(seeds=10)))["monotone"].all()
