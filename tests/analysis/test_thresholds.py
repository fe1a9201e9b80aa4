import warnings

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
    assert get.loc[(0, "train_acc", 0.5), "d_star"] == 8 and get.loc[(0, "train_acc", 0.5), "d_below"] == 4
    assert get.loc[(4, "train_acc", 0.5), "d_star"] == 2 and get.loc[(4, "train_acc", 0.5), "d_below"] == 1
    assert pd.isna(get.loc[(0, "train_acc", 0.95), "d_below"])  # above the grid: no bracket
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


def with_starts(runs: pd.DataFrame, start_acc: dict[int, float]) -> pd.DataFrame:
    """`runs` with the start accuracies of their seeds: start_acc[t0] for train, 0.05 less for test."""
    start = runs["t0"].map(start_acc)
    return runs.assign(start_train_acc=start, start_test_acc=start - 0.05)


def test_start_point_is_d_zero_counted_once_per_seed_and_not_for_tickets():
    runs = thresholds.with_method(with_starts(synthetic_runs({0: 4, 16: 2}, n_seeds=5), {0: 0.1, 16: 0.8}))
    tickets = runs[runs["t0"] == 0].assign(method="lottery_ticket")
    success = thresholds.success_table(pd.concat([runs, tickets]), [0.5, 0.85], ["train_acc", "test_acc"])
    start = success[success["d"] == 0].set_index(["method", "t0", "metric", "epsilon"])
    assert set(start.index.get_level_values("method")) == {"random", "burn_in"}  # a ticket's d = 0 is no start
    assert (start["n_runs"] == 5).all()  # one start per seed, not one per (seed, d)
    assert start.loc[("burn_in", 16, "train_acc", 0.5), "n_success"] == 5
    assert start.loc[("burn_in", 16, "train_acc", 0.85), "n_success"] == 0
    assert start.loc[("random", 0, "train_acc", 0.5), "n_success"] == 0
    table = thresholds.threshold_table(success, n_bootstrap=100).set_index(["method", "t0", "metric", "epsilon"])
    assert table.loc[("burn_in", 16, "train_acc", 0.5), "d_star"] == 0  # the start already succeeds: d* = 0
    assert table.loc[("burn_in", 16, "train_acc", 0.5), "censoring"] == "start"
    assert table.loc[("burn_in", 16, "train_acc", 0.85), ["d_star", "censoring"]].tolist() == [2, "measured"]
    assert table.loc[("random", 0, "train_acc", 0.5), ["d_star", "censoring"]].tolist() == [4, "measured"]
    assert table.loc[("random", 0, "train_acc", 0.5), "d_min"] == 1
    assert table.loc[("lottery_ticket", 0, "train_acc", 0.5), "censoring"] == "measured"
    assert table.loc[("burn_in", 16, "train_acc", 0.85), "d_star_fraction"] == pytest.approx(0.02)
    without = thresholds.success_table(runs.drop(columns=["start_train_acc", "start_test_acc"]), [0.5], ["train_acc"])
    assert (without["d"] > 0).all()  # old tables without start columns: no d = 0 cell


def test_censoring_below_and_above_the_grid():
    runs = synthetic_runs({0: 1}, dims=(1, 2, 4))  # no start columns: the smallest d already succeeds
    table = thresholds.threshold_table(thresholds.success_table(runs, [0.5, 0.95], ["train_acc"]), n_bootstrap=50)
    get = table.set_index("epsilon")
    assert (
        get.loc[0.5, "d_star"] == 1 and get.loc[0.5, "censoring"] == "below_grid" and pd.isna(get.loc[0.5, "d_below"])
    )
    assert pd.isna(get.loc[0.95, "d_star"]) and get.loc[0.95, "censoring"] == "above_grid"
    assert set(table["censoring"]) <= set(thresholds.CENSORING)


def test_success_cells_carry_exact_clopper_pearson_intervals():
    scipy_stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(0)
    runs = synthetic_runs({0: 4}, n_seeds=7)
    runs["train_acc"] = rng.random(len(runs))
    success = thresholds.success_table(runs, [0.3, 0.7], ["train_acc"], confidence=0.9)
    for row in success.itertuples():
        exact = scipy_stats.binomtest(row.n_success, row.n_runs).proportion_ci(0.9, method="exact")
        assert (row.p_success_lo, row.p_success_hi) == pytest.approx((exact.low, exact.high))
        assert row.p_success_lo <= row.p_success <= row.p_success_hi


def logistic_success(dims, n_runs: int, d50: float, slope: float, seed: int = 0) -> pd.DataFrame:
    """A success table of one cell with P_s = logistic(slope * (log2 d - log2 d50)), counts drawn at random."""
    rng = np.random.default_rng(seed)
    dims = np.asarray(dims)
    p = 1 / (1 + np.exp(-slope * (np.log2(dims) - np.log2(d50))))
    k = rng.binomial(n_runs, p)
    return pd.DataFrame(
        {
            "dataset": "x",
            "model": "m",
            "n_params": 10_000,
            "method": "random",
            "t0": 0,
            "d": dims,
            "metric": "train_acc",
            "epsilon": 0.5,
            "n_runs": n_runs,
            "n_success": k,
            "p_success": k / n_runs,
        }
    )


def test_fitted_transition_recovers_d_star_with_an_interval_that_opens_upward():
    success = logistic_success(2 ** np.arange(1, 13), n_runs=40, d50=64, slope=1.5)
    row = thresholds.threshold_table(success, delta=0.1, n_bootstrap=200).iloc[0]
    true_d_star = 64 * 2 ** (np.log(9) / 1.5)  # P = 0.9
    assert row["fit_status"] == "ok"
    assert row["d_star_fit_lo"] < true_d_star < row["d_star_fit_hi"]
    assert row["d_star_fit_lo"] < row["d_star_fit"] < row["d_star_fit_hi"]
    assert row["d50_fit"] == pytest.approx(64, rel=0.3)
    assert row["fit_slope"] == pytest.approx(1.5, rel=0.3)
    assert row["fit_width_octaves"] == pytest.approx(2 * np.log(9) / row["fit_slope"])
    assert row["fit_width_octaves"] == pytest.approx(2 * np.log(9) / 1.5, rel=0.3)


def test_grid_band_is_one_sided_but_the_fitted_interval_is_not():
    """5 seeds, delta = 0.1: success needs 5 of 5, which resampling keeps, so d_star_hi == d_star."""
    success = logistic_success(2 ** np.arange(1, 11), n_runs=5, d50=40, slope=1.0, seed=3)
    row = thresholds.threshold_table(success, delta=0.1, n_bootstrap=300).iloc[0]
    assert row["censoring"] == "measured" and row["d_star_hi"] == row["d_star"]
    assert row["fit_status"] == "ok" and row["d_star_fit_hi"] > row["d_star_fit"]


def test_fit_flags_unidentified_and_separated_cells_without_warnings():
    dims = np.array([0, 4, 8, 16, 32])
    n = np.full(5, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert thresholds.fit_transition(dims, n, n, 0.9)["fit_status"] == "not_identified"  # every run succeeds
        assert thresholds.fit_transition(dims, 0 * n, n, 0.9)["fit_status"] == "not_identified"
        separated = thresholds.fit_transition(dims, np.array([5, 0, 0, 5, 5]), n, 0.9)  # d = 0 is not in the fit
        assert separated["fit_status"] == "separated" and np.isnan(separated["d_star_fit"])
        one_mixed = thresholds.fit_transition(dims, np.array([0, 0, 2, 5, 5]), n, 0.9)  # quasi-complete
        assert one_mixed["fit_status"] == "separated"
        falling = thresholds.fit_transition(dims, np.array([0, 4, 3, 2, 1]), n, 0.9)
        assert falling["fit_status"] == "not_increasing" and falling["fit_slope"] < 0
        assert np.isnan(falling["d_star_fit"])
        beyond = thresholds.fit_transition(dims, np.array([0, 1, 1, 2, 2]), n, 0.9)  # never near 0.9 on the grid
        assert beyond["fit_status"] == "outside_grid" and np.isnan(beyond["d_star_fit"])
        # the whole table: statuses only from the documented set, no warning escapes
        runs = synthetic_runs({0: 4, 4: 2})
        table = thresholds.threshold_table(thresholds.success_table(runs, [0.5, 0.95], ["train_acc"]), n_bootstrap=20)
    assert set(table["fit_status"]) <= set(thresholds.FIT_STATUS)


def test_fieller_interval_solves_its_defining_equation():
    b0, b1, target = -6.0, 1.2, np.log(9)
    cov = np.array([[0.8, -0.1], [-0.1, 0.02]])
    lo, hi = thresholds.fieller_interval(b0, b1, cov, target, confidence=0.95)
    z2 = 1.959963984540054**2
    for x in (lo, hi):
        variance = cov[0, 0] + 2 * x * cov[0, 1] + x**2 * cov[1, 1]
        assert (b0 + b1 * x - target) ** 2 == pytest.approx(z2 * variance)
    assert lo < (target - b0) / b1 < hi
    assert np.isnan(thresholds.fieller_interval(b0, 0.1, cov, target)[1])  # slope not significant: unbounded


def barely_significant(v11: float) -> tuple[float, float, np.ndarray, float]:
    """Coefficients whose slope 1.2 is just significant (z^2 var(b1) a hair below b1^2): a Fieller end at 2^144."""
    return -6.0, 1.2, np.array([[0.8, -0.1], [-0.1, v11]]), float(np.log(9))


@pytest.mark.parametrize("v11", [0.3414823, 0.3743, 0.5])  # end at 2^144 = 2.2e43, beyond float range, no slope
def test_a_fieller_end_far_beyond_the_grid_is_null_and_the_interval_unbounded(v11):
    b0, b1, cov, target = barely_significant(v11)
    raw = thresholds.fieller_interval(b0, b1, cov, target)
    assert np.isnan(raw[1]) or raw[1] > 100  # what 2^x used to turn into 2.2e43 (or an OverflowError)
    lo, hi, interval = thresholds.fit_interval(b0, b1, cov, target, 0.95, grid=(1.0, 10.0))
    assert interval == "unbounded" and np.isnan(hi)
    assert np.isnan(lo) or 1.0 <= lo <= 2.0**19


def test_a_well_identified_fieller_interval_stays_finite_and_bounded():
    b0, b1, cov, target = barely_significant(0.02)
    lo, hi, interval = thresholds.fit_interval(b0, b1, cov, target, 0.95, grid=(1.0, 10.0))
    x_lo, x_hi = thresholds.fieller_interval(b0, b1, cov, target)
    assert interval == "bounded" and (lo, hi) == pytest.approx((2.0**x_lo, 2.0**x_hi))
    success = logistic_success(2 ** np.arange(1, 13), n_runs=40, d50=64, slope=1.5)
    row = thresholds.threshold_table(success, delta=0.1, n_bootstrap=50).iloc[0]
    assert row["fit_interval"] == "bounded" and np.isfinite([row["d_star_fit_lo"], row["d_star_fit_hi"]]).all()
    assert row["d_star_fit_hi"] < 2**13


def test_a_shallow_transition_is_written_with_null_ends_and_unbounded():
    """Four runs per d and a slope so shallow that it is not significant: the fit is ok, its interval unbounded."""
    dims = 2 ** np.arange(1, 9)
    k = np.array([1, 1, 2, 1, 2, 1, 2, 3])
    fit = thresholds.fit_transition(dims, k, np.full(8, 4), 0.5)
    assert fit["fit_status"] == "ok" and fit["fit_interval"] == "unbounded"
    assert np.isnan(fit["d_star_fit_lo"]) or np.isnan(fit["d_star_fit_hi"])
    assert not any(np.isfinite(fit[end]) and fit[end] > 2**16 for end in ("d_star_fit_lo", "d_star_fit_hi"))
